package operations

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/intake"
	"github.com/jackc/pgx/v5"
)

// FieldRule is the rule a form's field broke, for a page to word it in
// its reader's language.
type FieldRule string

const (
	RuleFormat    FieldRule = "format"    // required, or not of its form (intake's checks)
	RuleRegion    FieldRule = "region"    // not one of the call's regions
	RuleBounds    FieldRule = "bounds"    // the amount is outside the call's grant range
	RuleDuplicate FieldRule = "duplicate" // the organisation applied with this title already
)

// FormProblem is one field of a form refused.
type FormProblem struct {
	Field     string    `json:"field"`
	Rule      FieldRule `json:"rule"`
	Reference string    `json:"reference,omitempty"` // RuleDuplicate: the application it repeats
}

// FormProblems is every problem of a form sent from a page: its fields
// and its files, found together so the page shows them all at once.
// It is the Err of the Refused *Error; errors.As finds Files in it.
type FormProblems struct {
	Fields []FormProblem
	Files  FileProblems
}

func (p *FormProblems) Error() string {
	var s []string
	for _, f := range p.Fields {
		s = append(s, f.Field+": "+string(f.Rule))
	}
	if len(p.Files) > 0 {
		s = append(s, p.Files.Error())
	}
	return strings.Join(s, "; ")
}

// Unwrap gives the files' problems to errors.As.
func (p *FormProblems) Unwrap() []error {
	if len(p.Files) == 0 {
		return nil
	}
	return []error{p.Files}
}

// checkForm checks a page's application against the rules the call's
// workflow applies (intake's fields, the region, the grant range, a
// title already used by the organisation), with its files, before
// anything is submitted: one answer naming every field. The workflow
// still decides (it checks again, and the deadline is its own).
func (s *Service) checkForm(ctx context.Context, in ApplyWithAttachmentsInput) ([]checkedFile, error) {
	files, ferr := s.checkFiles(in.Files, "statutes", "budget")
	var p FormProblems
	var problems []Problem
	if ferr != nil {
		var e *Error
		errors.As(ferr, &e)
		errors.As(ferr, &p.Files)
		problems = append(problems, e.Problems...)
	}
	add := func(field string, rule FieldRule, ref, format string, args ...any) {
		p.Fields = append(p.Fields, FormProblem{Field: field, Rule: rule, Reference: ref})
		problems = append(problems, Problem{Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	if f := in.Form; f != nil {
		if err := f.Check(); err != nil {
			for _, pr := range fieldLines(err) {
				add(pr.Field, RuleFormat, "", "%s", pr.Reason)
			}
		}
		var raw []byte
		err := s.DB.QueryRow(ctx, `SELECT config FROM calls WHERE call_id = $1`, in.CallID).Scan(&raw)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return nil, classify("", err)
		}
		var call callspec.Call
		if err == nil && json.Unmarshal(raw, &call) == nil {
			if f.Region != "" && !call.HasRegion(f.Region) {
				add("region", RuleRegion, "", "%q is not eligible for %s", f.Region, call.ID)
			}
			if f.Amount > 0 && (f.Amount < call.MinGrant || f.Amount > call.MaxGrant) {
				add("amount", RuleBounds, "", "want %s to %s, got %s", call.MinGrant, call.MaxGrant, f.Amount)
			}
			var ref string
			err := s.DB.QueryRow(ctx, `SELECT reference FROM applications WHERE call_id = $1 AND dup_key = $2`,
				in.CallID, intake.DuplicateKey(f.Association, f.Title)).Scan(&ref)
			if err == nil {
				add("title", RuleDuplicate, ref, "already applied with this title as %s", ref)
			} else if !errors.Is(err, pgx.ErrNoRows) {
				return nil, classify("", err)
			}
		}
	}
	if len(problems) > 0 {
		e := refusedAll(in.Source+": application refused:", problems)
		e.Err = &p
		return nil, e
	}
	return files, nil
}
