package ui

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/callcycle/callcycle/internal/operations"
)

// maxTextValue bounds one text field of a form with files (a summary,
// the lessons of a report).
const maxTextValue = 1 << 20

// errFormTooLarge: a text field over maxTextValue; the form is refused.
var errFormTooLarge = errors.New("a field of the form is too long")

// readForm reads a form that may carry files (multipart/form-data):
// its text fields go to r.Form and r.PostForm, as ParseForm would put
// them (so the CSRF check and PostFormValue work as on any form); the
// files sent under one of fields are returned, each read up to limit
// and one byte more. A file over the limit is not kept: it comes back
// in tooBig, named, and what is left of it is skipped. The body as a
// whole is bounded (every file at its limit, and 1 MiB of text), so a
// huge upload is cut off instead of read to its end. An input left
// empty (no file chosen) is no file.
func readForm(w http.ResponseWriter, r *http.Request, limit int64, fields ...string) (files []operations.AttachmentFile, tooBig []string, err error) {
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "multipart/form-data" {
		return nil, nil, r.ParseForm()
	}
	r.Body = http.MaxBytesReader(w, r.Body, int64(operations.MaxAttachments)*(limit+1)+maxTextValue)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, nil, err
	}
	values := url.Values{}
	r.Form, r.PostForm = values, values
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return files, tooBig, nil
		}
		var big *http.MaxBytesError
		if errors.As(err, &big) {
			return files, tooBig, nil // the last file named in tooBig below
		}
		if err != nil {
			return nil, nil, err
		}
		name := part.FormName()
		if part.FileName() == "" && !strings.Contains(part.Header.Get("Content-Disposition"), "filename=") {
			b, err := io.ReadAll(io.LimitReader(part, maxTextValue+1))
			if err != nil {
				return nil, nil, err
			}
			if len(b) > maxTextValue {
				return nil, nil, errFormTooLarge
			}
			values.Add(name, string(b))
			continue
		}
		if !slices.Contains(fields, name) {
			continue // a file under a name this form does not take
		}
		data, err := io.ReadAll(io.LimitReader(part, limit+1))
		switch {
		case errors.As(err, &big):
			return files, append(tooBig, name), nil
		case err != nil:
			return nil, nil, err
		case int64(len(data)) > limit:
			tooBig = append(tooBig, name)
			if _, err := io.Copy(io.Discard, part); errors.As(err, &big) {
				return files, tooBig, nil
			}
		case part.FileName() == "" && len(data) == 0:
			// no file chosen
		default:
			files = append(files, operations.AttachmentFile{Field: name, Name: part.FileName(), Data: data})
		}
	}
}
