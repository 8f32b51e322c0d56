package ui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/callcycle/callcycle/internal/intake"
	"github.com/callcycle/callcycle/internal/locale"
	"github.com/callcycle/callcycle/internal/operations"
)

// fileProblems puts each refused file beside its field, in the reader's
// words ("attachment.<fault>").
func fileProblems(q *request, bad operations.FileProblems, into map[string][]string) {
	for _, f := range bad {
		name := f.Name
		if name == "" {
			name = q.loc.T("field." + f.Field)
		}
		into[f.Field] = append(into[f.Field], q.loc.T("attachment."+string(f.Fault), "Name", name, "Limit", f.Limit>>20,
			"Max", operations.MaxAttachments))
	}
}

// formProblems puts each refused field beside itself, in the reader's
// words: what the field wants ("apply.need_<field>"), the call's range
// for the amount, the application a title repeats; then the files.
func formProblems(q *request, call operations.OpenCall, p *operations.FormProblems, into map[string][]string) {
	for _, f := range p.Fields {
		var msg string
		switch f.Rule {
		case operations.RuleDuplicate:
			msg = q.loc.T("apply.duplicate", "Reference", f.Reference)
		case operations.RuleBounds:
			msg = q.loc.T("apply.need_amount", "Min", call.MinGrant.Text, "Max", call.MaxGrant.Text)
		case operations.RuleRegion:
			msg = q.loc.T("apply.need_region")
		default:
			id := "apply.need_" + f.Field // apply.need_title, _email, _iban…
			msg = q.loc.T(id, "Min", call.MinGrant.Text, "Max", call.MaxGrant.Text, "Name", intake.MaxNameLen,
				"Title", intake.MaxTitleLen, "Summary", intake.MaxSummaryLen)
		}
		if !slices.Contains(into[f.Field], msg) {
			into[f.Field] = append(into[f.Field], msg)
		}
	}
	fileProblems(q, p.Files, into)
}

// sizeText is a file's size, Belgian style: 834 o / 12,5 kB / 1,2 MB
// in French, B in Dutch and English.
func sizeText(l *locale.Loc, n int64) string {
	unit := l.T("size.bytes")
	switch {
	case n < 1000:
		return fmt.Sprintf("%d %s", n, unit)
	case n < 1000*1000:
		return decimal(n, 1000) + " k" + unit
	}
	return decimal(n, 1000*1000) + " M" + unit
}

// decimal is n/per with one decimal, comma-separated.
func decimal(n, per int64) string {
	tenths := (n*10 + per/2) / per
	return fmt.Sprintf("%d,%d", tenths/10, tenths%10)
}

// percentText is total/max as "87,50 %", as the decision mail says it.
func percentText(total, max int64) string {
	if max == 0 {
		return "–"
	}
	bp := (total*10000*2 + max) / (2 * max)
	return fmt.Sprintf("%d,%02d %%", bp/100, bp%100)
}

// dateOf is a day, or "" for none.
func dateOf(l *locale.Loc, t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return l.Date(*t)
}

// typeName is a media type as readers know it.
func typeName(mediaType string) string {
	return map[string]string{operations.TypePDF: "PDF", operations.TypeXLSX: "XLSX", operations.TypeDOCX: "DOCX",
		operations.TypeODS: "ODS"}[mediaType]
}

// joinDates lists days: "01/02/2031, 15/02/2031".
func joinDates(l *locale.Loc, ts []time.Time) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = l.Date(t)
	}
	return strings.Join(s, ", ")
}
