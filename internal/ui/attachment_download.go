package ui

import (
	"mime"
	"net/http"
	"strconv"

	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/operations"
)

// attachment downloads one file of the applicant's own application. It
// is served as a download (Content-Disposition: attachment) of the type
// found in its content, never sniffed (nosniff) and sandboxed by its
// CSP: a file an applicant sent never runs as a page of the portal.
func (p *Pages) attachment(w http.ResponseWriter, r *http.Request) {
	q := p.request(r)
	if _, ok := p.applicant(w, q); !ok {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		p.fail(w, q, &operations.Error{Kind: operations.NotFound, Message: "no attachment " + r.PathValue("id")})
		return
	}
	f, err := p.cfg.Service.Attachment(r.Context(), q.actor(auth.ApplyOwn), operations.AttachmentInput{
		Reference: r.PathValue("reference"), ID: id, Only: operations.ApplicationFilter{Organisation: orgOf(q.who)}})
	if err != nil {
		p.fail(w, q, err)
		return
	}
	headers(w)
	h := w.Header()
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Content-Type", f.MediaType)
	disposition := mime.FormatMediaType("attachment", map[string]string{"filename": f.Name})
	if disposition == "" {
		disposition = "attachment" // a name the header cannot carry: the browser names it
	}
	h.Set("Content-Disposition", disposition)
	h.Set("Content-Length", strconv.Itoa(len(f.Data)))
	_, _ = w.Write(f.Data)
}
