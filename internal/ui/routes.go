package ui

import (
	"io/fs"
	"net/http"
)

// Register puts the pages on mux. The API (/api/), sign-in (/auth/) and
// the probes keep their own, more specific, patterns.
func (p *Pages) Register(mux *http.ServeMux) {
	static, _ := fs.Sub(staticFS, "static")
	files := http.StripPrefix("/static/", http.FileServerFS(static))
	mux.Handle("GET /static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		headers(w)
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	}))
	mux.HandleFunc("GET /{$}", p.home)
	mux.HandleFunc("GET /lang/{lang}", p.language)
	mux.HandleFunc("GET /calls", p.calls)
	mux.HandleFunc("GET /calls/{call}/apply", p.applyForm)
	mux.HandleFunc("POST /calls/{call}/apply", p.apply)
	mux.HandleFunc("GET /files", p.files)
	mux.HandleFunc("GET /files/{reference}", p.file)
}
