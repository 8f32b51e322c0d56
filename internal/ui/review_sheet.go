package ui

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/operations"
	"github.com/callcycle/callcycle/internal/scoring"
)

// sheetData is the reviewer's sheet page: a form a file, and the
// workbook to download and upload.
type sheetData struct {
	Sheet    operations.ReviewSheetResult
	Files    []sheetFile
	Saved    string   // the file just saved
	Uploaded bool     // the workbook just taken
	Declared bool     // the declaration just made
	Upload   []string // why the workbook was refused
	Pending  string   // why the ranking waits although all returned
}

// sheetFile is one file's form: an input a criterion.
type sheetFile struct {
	operations.SheetFile
	Scored   bool
	Fields   []scoreField
	Comment  string
	Problems []string // the file's, not a field's
	Invalid  []string // comment problems
}

// scoreField is one criterion's input of one file's form.
type scoreField struct {
	ID, Name, Label string
	Min, Max        int
	Value           string
	Problems        []string
}

// sheetView makes the page from the sheet; typed and problems are the
// refused form of one file (reference), shown as it was sent.
func sheetView(sh operations.ReviewSheetResult, q *request, ref string, typed map[string]string, problems []operations.Problem) sheetData {
	d := sheetData{Sheet: sh}
	for _, f := range sh.Files {
		v := sheetFile{SheetFile: f, Scored: len(f.Scores) > 0, Comment: f.Comment}
		mine := f.Reference == ref
		if mine {
			v.Comment = typed["comment"]
		}
		for i, c := range sh.Criteria {
			fv := scoreField{ID: "s-" + f.Reference + "-" + c.Key, Name: "score." + c.Key, Min: c.Min, Max: c.Max,
				Label: q.loc.T("review.criterion", "Name", c.Name, "Weight", c.Weight, "Min", c.Min, "Max", c.Max)}
			switch {
			case mine:
				fv.Value = typed["score."+c.Key]
			case i < len(f.Scores):
				fv.Value = strconv.Itoa(f.Scores[i])
			}
			v.Fields = append(v.Fields, fv)
		}
		if mine {
			for _, p := range problems {
				switch key, ok := strings.CutPrefix(p.Field, "scores."); {
				case ok:
					for i := range v.Fields {
						if v.Fields[i].Name == "score."+key {
							v.Fields[i].Problems = append(v.Fields[i].Problems, p.Reason)
						}
					}
				case p.Field == "comment":
					v.Invalid = append(v.Invalid, p.Reason)
				default:
					v.Problems = append(v.Problems, p.Reason)
				}
			}
		}
		d.Files = append(d.Files, v)
	}
	return d
}

// sheet loads the reviewer's sheet of the page's call.
func (p *Pages) sheet(w http.ResponseWriter, q *request) (operations.ReviewSheetResult, bool) {
	c, ok := p.reviewCall(w, q, true)
	if !ok {
		return operations.ReviewSheetResult{}, false
	}
	sh, err := p.cfg.Service.ReviewSheet(q.Context(), q.actor(auth.ScoreOwnSheet), operations.ReviewSheetInput{CallID: c.CallID})
	if err != nil {
		p.reviewFail(w, q, err)
		return sh, false
	}
	return sh, true
}

// reviewFail: a call whose committee is not sitting (or has ended) is
// said so; anything else as every page says it.
func (p *Pages) reviewFail(w http.ResponseWriter, q *request, err error) {
	switch operations.KindOf(err) {
	case operations.WrongStage, operations.Ended:
		p.render(w, q, http.StatusConflict, "error", q.loc.T("error.title"), q.loc.T("review.not_open"))
	default:
		p.fail(w, q, err)
	}
}

func (p *Pages) sheetTitle(q *request, sh operations.ReviewSheetResult) string {
	return q.loc.T("review.sheet_title", "Call", sh.Title)
}

// reviewSheet: the reviewer's own sheet of a call.
func (p *Pages) reviewSheet(w http.ResponseWriter, r *http.Request) {
	q := p.request(r)
	sh, ok := p.sheet(w, q)
	if !ok {
		return
	}
	d := sheetView(sh, q, "", nil, nil)
	d.Saved, d.Uploaded, d.Declared = r.URL.Query().Get("saved"), r.URL.Query().Get("uploaded") == "1", r.URL.Query().Get("declared") == "1"
	p.render(w, q, http.StatusOK, "review_sheet", p.sheetTitle(q, sh), d)
}

// reviewScore saves one file's scores typed in the page.
func (p *Pages) reviewScore(w http.ResponseWriter, r *http.Request) {
	q := p.request(r)
	if !q.csrfOK() {
		p.render(w, q, http.StatusForbidden, "error", q.loc.T("error.title"), q.loc.T("error.csrf"))
		return
	}
	sh, ok := p.sheet(w, q)
	if !ok {
		return
	}
	ref := r.PostFormValue("reference")
	in := operations.ReviewScoreInput{CallID: sh.CallID, Reference: ref, Scores: map[string]string{}, Comment: r.PostFormValue("comment")}
	typed := map[string]string{"comment": in.Comment}
	for _, c := range sh.Criteria {
		v := strings.TrimSpace(r.PostFormValue("score." + c.Key))
		in.Scores[c.Key], typed["score."+c.Key] = v, v
	}
	res, err := p.cfg.Service.ReviewScore(r.Context(), q.actor(auth.ScoreOwnSheet), in)
	var refused *operations.Error
	if errors.As(err, &refused) && refused.Kind == operations.Refused {
		p.render(w, q, http.StatusUnprocessableEntity, "review_sheet", p.sheetTitle(q, sh), sheetView(sh, q, ref, typed, refused.Problems))
		return
	}
	if err != nil {
		p.reviewFail(w, q, err)
		return
	}
	p.afterSave(w, q, res, "saved="+url.QueryEscape(ref)+"#f-"+url.PathEscape(ref))
}

// afterSave goes on to the ranking when the save made it, else back to
// the sheet.
func (p *Pages) afterSave(w http.ResponseWriter, q *request, res operations.ReviewSheetSaveResult, back string) {
	if res.Proposal != nil {
		http.Redirect(w, q.Request, "/reviews/"+url.PathEscape(res.CallID)+"/ranking", http.StatusSeeOther)
		return
	}
	http.Redirect(w, q.Request, "/reviews/"+url.PathEscape(res.CallID)+"?"+back, http.StatusSeeOther)
}

// reviewDownload: the reviewer's own workbook, its sheet only.
func (p *Pages) reviewDownload(w http.ResponseWriter, r *http.Request) {
	q := p.request(r)
	c, ok := p.reviewCall(w, q, true)
	if !ok {
		return
	}
	var b bytes.Buffer
	res, err := p.cfg.Service.ReviewSheetDownload(r.Context(), q.actor(auth.ScoreOwnSheet), operations.ReviewSheetDownloadInput{CallID: c.CallID, Out: &b})
	if err != nil {
		p.reviewFail(w, q, err)
		return
	}
	headers(w)
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s.xlsx"`, res.CallID, scoring.SheetName(res.Code)))
	_, _ = io.Copy(w, &b)
}

// reviewUpload takes the reviewer's filled workbook back: refused, it
// is shown with every problem by its cell and nothing is saved.
func (p *Pages) reviewUpload(w http.ResponseWriter, r *http.Request) {
	q := p.request(r)
	r.Body = http.MaxBytesReader(w, r.Body, scoring.MaxWorkbookBytes+1<<20)
	if err := r.ParseMultipartForm(8 << 20); err != nil || !q.csrfOK() {
		p.render(w, q, http.StatusForbidden, "error", q.loc.T("error.title"), q.loc.T("error.csrf"))
		return
	}
	sh, ok := p.sheet(w, q)
	if !ok {
		return
	}
	refuse := func(problems ...string) {
		d := sheetView(sh, q, "", nil, nil)
		d.Upload = problems
		p.render(w, q, http.StatusUnprocessableEntity, "review_sheet", p.sheetTitle(q, sh), d)
	}
	f, hdr, err := r.FormFile("workbook")
	if err != nil {
		refuse(q.loc.T("review.upload_missing"))
		return
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		refuse(q.loc.T("review.upload_missing"))
		return
	}
	res, err := p.cfg.Service.ReviewSheetUpload(r.Context(), q.actor(auth.ScoreOwnSheet),
		operations.ReviewSheetUploadInput{CallID: sh.CallID, Workbook: data, Name: hdr.Filename})
	var refused *operations.Error
	if errors.As(err, &refused) && refused.Kind == operations.Refused {
		var why []string
		for _, pr := range refused.Problems {
			why = append(why, pr.Reason)
		}
		refuse(why...)
		return
	}
	if err != nil {
		p.reviewFail(w, q, err)
		return
	}
	p.afterSave(w, q, res, "uploaded=1")
}
