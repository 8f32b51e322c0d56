package ui

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/callcycle/callcycle/internal/locale"
)

// langCookie remembers the language a person chose.
const langCookie = "callcycle_lang"

// language switches to /lang/{lang} and goes back to ?back= (a path of
// this site only).
func (p *Pages) language(w http.ResponseWriter, r *http.Request) {
	lang := r.PathValue("lang")
	if !slices.Contains(locale.Languages, lang) {
		http.NotFound(w, r)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/", Expires: time.Now().AddDate(1, 0, 0),
		HttpOnly: true, Secure: p.cfg.Secure || r.TLS != nil, SameSite: http.SameSiteLaxMode})
	back := r.URL.Query().Get("back")
	if !strings.HasPrefix(back, "/") || strings.HasPrefix(back, "//") || strings.HasPrefix(back, "/\\") {
		back = "/"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}
