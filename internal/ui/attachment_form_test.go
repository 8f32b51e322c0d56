package ui

import (
	"bytes"
	"mime/multipart"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// readForm keeps a form's text fields where the CSRF check reads them,
// returns the files within the limit, names the one over it (keeping
// none of it) and skips an input left empty and a file under another
// name; a urlencoded form is read as any form.
func TestReadFormBoundsEachFile(t *testing.T) {
	t.Parallel()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf", "token")
	_ = mw.WriteField("title", "Jeux")
	file := func(field, name string, data []byte) {
		w, _ := mw.CreateFormFile(field, name)
		_, _ = w.Write(data)
	}
	file("statutes", "statuts.pdf", []byte("%PDF-1.4 small"))
	file("budget", "budget.xlsx", bytes.Repeat([]byte("x"), 100))
	file("photo", "photo.jpg", []byte("jpeg"))
	file("report", "", nil) // an input left empty
	_ = mw.WriteField("after", "kept")
	_ = mw.Close()
	r := httptest.NewRequest("POST", "/calls/X/apply", &body)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	files, tooBig, err := readForm(httptest.NewRecorder(), r, 64, "statutes", "budget", "report")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || files[0].Field != "statutes" || files[0].Name != "statuts.pdf" || string(files[0].Data) != "%PDF-1.4 small" {
		t.Errorf("files %+v", files)
	}
	if len(tooBig) != 1 || tooBig[0] != "budget" {
		t.Errorf("too big: %v, want budget", tooBig)
	}
	if r.FormValue("csrf") != "token" || r.PostFormValue("title") != "Jeux" || r.PostFormValue("after") != "kept" {
		t.Errorf("fields %v", r.Form)
	}

	// A body far over every limit is cut off, the file named.
	body.Reset()
	mw = multipart.NewWriter(&body)
	_ = mw.WriteField("csrf", "token")
	file("statutes", "huge.pdf", bytes.Repeat([]byte("x"), 2<<20))
	_ = mw.Close()
	r = httptest.NewRequest("POST", "/calls/X/apply", &body)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	files, tooBig, err = readForm(httptest.NewRecorder(), r, 64, "statutes")
	if err != nil || len(files) != 0 || len(tooBig) != 1 || r.FormValue("csrf") != "token" {
		t.Errorf("a huge body: files %v, too big %v, %v", files, tooBig, err)
	}

	form := url.Values{"csrf": {"token"}, "title": {"Jeux"}}
	r = httptest.NewRequest("POST", "/calls/X/apply", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if files, _, err := readForm(httptest.NewRecorder(), r, 64, "statutes"); err != nil || files != nil || r.PostFormValue("title") != "Jeux" {
		t.Errorf("a urlencoded form: %v %v %v", files, err, r.PostForm)
	}
}
