package ui

import (
	"io/fs"
	"net/http"

	"github.com/callcycle/callcycle/internal/auth"
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
	p.registerReviews(mux)
	mux.HandleFunc("POST /files/{reference}/report", p.report)
	mux.HandleFunc("GET /files/{reference}/attachments/{id}", p.attachment)
	mux.HandleFunc("POST /files/{reference}/attachments", p.attach)
	p.registerStaff(mux)
}

// registerStaff puts the office's, finance's and managers' pages on mux.
func (p *Pages) registerStaff(mux *http.ServeMux) {
	mux.HandleFunc("GET /office", p.office)
	mux.HandleFunc("GET /office/calls/{call}", p.officeCall)
	mux.HandleFunc("GET /office/calls/{call}/applications", p.register)
	mux.HandleFunc("POST /office/calls/{call}/screen", p.callAction(auth.Screen, "screened", p.screen))
	mux.HandleFunc("POST /office/calls/{call}/end-screening", p.callAction(auth.Screen, "screening_ended", p.endScreening))
	mux.HandleFunc("POST /office/calls/{call}/decide", p.callAction(auth.ProposeDecision, "decided", p.decide))
	mux.HandleFunc("POST /office/calls/{call}/approve", p.callApproval(true))
	mux.HandleFunc("POST /office/calls/{call}/refuse", p.callApproval(false))
	mux.HandleFunc("GET /payments", p.payments)
	mux.HandleFunc("POST /payments/confirm", p.confirmPayment)
	mux.HandleFunc("POST /payments/approve", p.paymentApproval(true))
	mux.HandleFunc("POST /payments/refuse", p.paymentApproval(false))
	mux.HandleFunc("GET /payments/orders/{call}", p.paymentOrders)
	mux.HandleFunc("GET /portfolio", p.portfolio)
}
