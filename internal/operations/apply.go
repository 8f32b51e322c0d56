package operations

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"sort"
	"strings"

	"github.com/callcycle/callcycle/internal/intake"
	"github.com/jackc/pgx/v5"
)

// ApplyInput is one application file (YAML, as examples/application.yaml).
type ApplyInput struct {
	CallID      string `json:"call_id"`
	Application []byte `json:"application"`
	Source      string `json:"source"` // a file name, for messages
	// Organisation, set by the portal for an applicant, is the only
	// organisation (applicants.applicant_id) it may apply for; 0: any
	// (an officer applying on behalf of one).
	Organisation int64 `json:"-"`
	// Form, set by the portal's page, is the application as its form
	// gave it, instead of Application's YAML.
	Form *intake.Application `json:"-"`
}

// ApplyResult is the accepted application.
type ApplyResult struct {
	Reference   string `json:"reference"`
	Association string `json:"association"`
	Title       string `json:"title"`
}

// Apply submits one application. The personal data goes to the
// PostgreSQL inbox, the rest through the call's update; a refusal deletes
// the inbox row again, so a refused application leaves nothing behind.
func (s *Service) Apply(ctx context.Context, by Actor, in ApplyInput) (res ApplyResult, err error) {
	defer s.audited(ctx, by, "application.apply", in, &err, func() string { return res.Reference })
	var app intake.Application
	if in.Form != nil {
		app, err = *in.Form, in.Form.Check()
	} else {
		app, err = intake.ParseYAML(in.Application)
	}
	if err != nil {
		return ApplyResult{}, refusedAll(in.Source+":", fieldLines(err))
	}
	if in.Organisation != 0 {
		var own string
		err := s.DB.QueryRow(ctx, `SELECT name FROM applicants WHERE applicant_id = $1 AND name_key = $2`, in.Organisation, intake.NameKey(app.Association)).Scan(&own)
		if errors.Is(err, pgx.ErrNoRows) {
			return ApplyResult{}, refused("association", "you apply for your own organisation only; this application names %q", app.Association)
		}
		if err != nil {
			return ApplyResult{}, err
		}
	}
	refs, rows, err := s.submitBatches(ctx, by, in.CallID, []intake.Application{app}, 1, nil)
	if err != nil {
		return ApplyResult{}, err
	}
	if len(rows) > 0 {
		return ApplyResult{}, refusedAll(in.Source+": application refused:", lines("application", errors.New(rows[0].Reason)))
	}
	return ApplyResult{Reference: refs[0], Association: app.Association, Title: app.Title}, nil
}

// ImportInput is a bulk file of applications: CSV or XLSX, told apart by
// Name's extension.
type ImportInput struct {
	CallID string `json:"call_id"`
	File   []byte `json:"file"`
	Name   string `json:"name"` // file name: .csv or .xlsx
}

// ImportResult is the outcome of every data row of a bulk file.
type ImportResult struct {
	Name     string        `json:"name"`
	Accepted []ImportedRow `json:"accepted"`
	Rejected []ImportedRow `json:"rejected"`
}

// ImportedRow is one data row of the file.
type ImportedRow struct {
	Row       int    `json:"row"` // as numbered in the file (header = 1)
	Reference string `json:"reference,omitempty"`
	Reason    string `json:"reason,omitempty"`
}

// ImportBatch is the number of applications per update: big enough that
// 10,000 applications take 100 updates, small enough to stay far below
// Temporal's payload limit.
const ImportBatch = 100

// importConcurrency keeps in-flight updates per workflow under the
// engine's limit of 10 (ENGINE-NOTES: ≤ 8 is the safe ceiling).
const importConcurrency = 4

// Import submits every valid row of a bulk file and gives each refused
// row its reason.
func (s *Service) Import(ctx context.Context, by Actor, in ImportInput) (res ImportResult, err error) {
	defer s.audited(ctx, by, "application.import", in, &err, func() string { return in.CallID })
	res = ImportResult{Name: in.Name, Accepted: []ImportedRow{}, Rejected: []ImportedRow{}}
	var rows []intake.Row
	switch ext := strings.ToLower(filepath.Ext(in.Name)); ext {
	case ".csv":
		rows, err = intake.ReadCSV(bytes.NewReader(in.File))
	case ".xlsx":
		rows, err = intake.ReadXLSX(bytes.NewReader(in.File))
	default:
		// .xls (Excel 97) and .ods are common; say what to save as.
		return res, refused("name", "%s: unsupported file type %q; save it as .csv (UTF-8) or .xlsx", in.Name, ext)
	}
	if err != nil {
		return res, refused("file", "%s: %v", in.Name, err)
	}
	var apps []intake.Application
	var appRow []int
	for _, r := range rows {
		if r.Err != nil {
			res.Rejected = append(res.Rejected, ImportedRow{Row: r.Number, Reason: oneLine(r.Err)})
			continue
		}
		apps, appRow = append(apps, r.App), append(appRow, r.Number)
	}
	if len(apps) > 0 {
		refs, refused, err := s.submitBatches(ctx, by, in.CallID, apps, ImportBatch, s.Progress)
		if err != nil {
			return res, err
		}
		for _, r := range refused {
			res.Rejected = append(res.Rejected, ImportedRow{Row: appRow[r.Index], Reason: r.Reason})
		}
		for i, ref := range refs {
			if ref != "" {
				res.Accepted = append(res.Accepted, ImportedRow{Row: appRow[i], Reference: ref})
			}
		}
	}
	sort.Slice(res.Rejected, func(i, j int) bool { return res.Rejected[i].Row < res.Rejected[j].Row })
	return res, nil
}

func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", "; ") }

// fieldLines are intake's problems ("title: required"), each under its
// field, so a form can show it beside the field.
func fieldLines(err error) []Problem {
	var out []Problem
	for _, p := range lines("application", err) {
		if field, reason, ok := strings.Cut(p.Reason, ": "); ok && !strings.Contains(field, " ") {
			p.Field, p.Reason = field, reason
		}
		out = append(out, p)
	}
	return out
}
