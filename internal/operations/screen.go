package operations

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/callcycle/callcycle/workflows"
	"github.com/xuri/excelize/v2"
)

// ScreenInput is one eligibility verdict.
type ScreenInput struct {
	CallID    string `json:"call_id"`
	Reference string `json:"reference"`
	Eligible  bool   `json:"eligible"`
	Reason    string `json:"reason"` // required when not eligible; sent to the applicant
}

// ScreenResult is where screening stands after the verdict.
type ScreenResult struct {
	Reference string `json:"reference"`
	Eligible  bool   `json:"eligible"`
	Reason    string `json:"reason"`
	Pending   int    `json:"pending"` // applications still to screen
}

// Screen records one verdict; an ineligible applicant is told the reason.
func (s *Service) Screen(ctx context.Context, by Actor, in ScreenInput) (res ScreenResult, err error) {
	defer s.audited(ctx, by, "screen.verdict", in, &err, func() string { return in.CallID })
	v := workflows.Verdict{Reference: in.Reference, Eligible: in.Eligible, Reason: in.Reason}
	var r workflows.ScreenResult
	if err := s.callUpdate(ctx, in.CallID, workflows.UpdateScreen, workflows.ScreenInput{Verdicts: []workflows.Verdict{v}, By: by.Name}, &r); err != nil {
		return ScreenResult{}, err
	}
	return ScreenResult{Reference: in.Reference, Eligible: in.Eligible, Reason: in.Reason, Pending: r.Pending}, nil
}

// ScreenImportInput is a file of verdicts (CSV or XLSX by Name's
// extension) with the columns reference, verdict (eligible|ineligible)
// and reason.
type ScreenImportInput struct {
	CallID string `json:"call_id"`
	File   []byte `json:"file"`
	Name   string `json:"name"`
}

// ScreenImport records every valid verdict of a file and gives each
// refused row its reason.
func (s *Service) ScreenImport(ctx context.Context, by Actor, in ScreenImportInput) (res ImportResult, err error) {
	defer s.audited(ctx, by, "screen.import", in, &err, func() string { return in.CallID })
	res = ImportResult{Name: in.Name, Accepted: []ImportedRow{}, Rejected: []ImportedRow{}}
	rows, err := readVerdicts(in.File, in.Name)
	if err != nil {
		return res, refused("file", "%s: %v", in.Name, err)
	}
	var good []workflows.Verdict
	var goodRow []int
	for _, r := range rows {
		if r.err != "" {
			res.Rejected = append(res.Rejected, ImportedRow{Row: r.line, Reason: r.err})
			continue
		}
		good, goodRow = append(good, r.v), append(goodRow, r.line)
	}
	if err := s.callExists(ctx, in.CallID); err != nil {
		return res, err
	}
	for start := 0; start < len(good); start += ImportBatch {
		end := min(start+ImportBatch, len(good))
		refused, err := batchUpdate(in.CallID, good[start:end], func(_ []int, vs []workflows.Verdict) error {
			var r workflows.ScreenResult
			return s.callUpdate(ctx, in.CallID, workflows.UpdateScreen, workflows.ScreenInput{Verdicts: vs, By: by.Name}, &r)
		})
		if err != nil {
			return res, err
		}
		for i := start; i < end; i++ {
			if reason, bad := refused[i-start]; bad {
				res.Rejected = append(res.Rejected, ImportedRow{Row: goodRow[i], Reason: reason})
			} else {
				res.Accepted = append(res.Accepted, ImportedRow{Row: goodRow[i], Reference: good[i].Reference})
			}
		}
	}
	return res, nil
}

// EndScreeningInput names the call whose screening ends.
type EndScreeningInput struct {
	CallID string `json:"call_id"`
}

// EndScreeningResult counts the applications declared eligible.
type EndScreeningResult struct {
	CallID  string `json:"call_id"`
	Pending int    `json:"pending"` // without a verdict, declared eligible
}

// EndScreening ends screening: applications without a verdict are
// declared eligible (they passed the automatic checks). Screening
// already ended answers AlreadyDone.
func (s *Service) EndScreening(ctx context.Context, by Actor, in EndScreeningInput) (res EndScreeningResult, err error) {
	defer s.audited(ctx, by, "screen.end", in, &err, func() string { return in.CallID })
	var r workflows.EndScreeningResult
	if err := s.callUpdate(ctx, in.CallID, workflows.UpdateEndScreening, workflows.EndScreeningInput{By: by.Name}, &r); err != nil {
		return EndScreeningResult{}, err
	}
	return EndScreeningResult{CallID: in.CallID, Pending: r.Pending}, nil
}

type verdictRow struct {
	line int
	v    workflows.Verdict
	err  string
}

func readVerdicts(data []byte, name string) ([]verdictRow, error) {
	var records [][]string
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		if len(data) > 16<<20 {
			return nil, errors.New("file larger than 16 MB")
		}
		text := strings.TrimPrefix(string(data), "\ufeff")
		r := csv.NewReader(strings.NewReader(text))
		if first, _, _ := strings.Cut(text, "\n"); strings.Count(first, ";") > strings.Count(first, ",") {
			r.Comma = ';'
		}
		r.FieldsPerRecord = -1
		var err error
		if records, err = r.ReadAll(); err != nil {
			return nil, err
		}
	case ".xlsx":
		f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: true, UnzipSizeLimit: 256 << 20})
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if records, err = f.GetRows(f.GetSheetName(0), excelize.Options{RawCellValue: true}); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("unsupported file type %q; use .csv or .xlsx", filepath.Ext(name))
	}
	if len(records) < 2 {
		return nil, errors.New("no verdicts: want a header (reference, verdict, reason) and one row per application")
	}
	col := map[string]int{}
	for i, h := range records[0] {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	for _, need := range []string{"reference", "verdict"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("header: missing column %q (want reference, verdict, reason)", need)
		}
	}
	cell := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var out []verdictRow
	for i, rec := range records[1:] {
		ref, verdict := cell(rec, "reference"), strings.ToLower(cell(rec, "verdict"))
		if ref == "" && verdict == "" {
			continue
		}
		r := verdictRow{line: i + 2, v: workflows.Verdict{Reference: ref, Reason: cell(rec, "reason")}}
		switch verdict {
		case "eligible", "recevable", "ontvankelijk":
			r.v.Eligible = true
		case "ineligible", "non recevable", "niet ontvankelijk":
		default:
			r.err = fmt.Sprintf("verdict: want eligible or ineligible, got %q", verdict)
		}
		out = append(out, r)
	}
	return out, nil
}
