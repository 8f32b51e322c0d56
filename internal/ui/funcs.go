package ui

import (
	"html/template"

	"github.com/callcycle/callcycle/internal/locale"
	"github.com/callcycle/callcycle/internal/operations"
)

// fieldView is one input of a form: its name, type, what was typed and
// what is wrong with it.
type fieldView struct {
	V          view
	Name, Type string
	Value      string
	Problems   []string
}

var funcs = template.FuncMap{
	"field": func(v view, name, typ string) fieldView {
		d, _ := v.Data.(applyData)
		return fieldView{V: v, Name: name, Type: typ, Value: d.Form[name], Problems: d.Problems[name]}
	},
	"langs": func() []string { return locale.Languages },
	"stage": stageOf,
}

// stageOf is where an application stands, in the reader's words.
func stageOf(l *locale.Loc, a operations.ApplicationSummary) string {
	switch {
	case a.Decision == "granted":
		return l.T("stage.granted")
	case a.Decision == "rejected":
		return l.T("stage.rejected")
	case a.Eligible != nil && !*a.Eligible:
		return l.T("stage.ineligible")
	case a.Eligible != nil:
		return l.T("stage.review")
	}
	return l.T("stage.received")
}
