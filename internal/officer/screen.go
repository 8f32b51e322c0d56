package officer

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/callcycle/callcycle/internal/words"
	"github.com/callcycle/callcycle/workflows"
	"github.com/xuri/excelize/v2"
)

// Screen records one verdict.
func (e Env) Screen(ctx context.Context, callID, ref string, eligible bool, reason string) error {
	v := workflows.Verdict{Reference: ref, Eligible: eligible, Reason: reason}
	var res workflows.ScreenResult
	if err := e.update(ctx, callID, workflows.UpdateScreen, workflows.ScreenInput{Verdicts: []workflows.Verdict{v}, By: e.By}, &res); err != nil {
		return err
	}
	verdict := "eligible"
	if !eligible {
		verdict = "ineligible (" + reason + "); the applicant is notified"
	}
	fmt.Fprintf(e.Out, "%s: %s; %s still to screen\n", ref, verdict, words.Count(res.Pending, "application", "applications"))
	return nil
}

// ScreenImport reads verdicts from a CSV or XLSX file with the columns
// reference, verdict (eligible|ineligible) and reason, and submits them.
func (e Env) ScreenImport(ctx context.Context, callID, path string) (ImportResult, error) {
	rows, err := readVerdicts(path)
	if err != nil {
		return ImportResult{}, fmt.Errorf("%w: %s: %v", ErrUsage, path, err)
	}
	var res ImportResult
	var good []workflows.Verdict
	var goodRow []int
	for _, r := range rows {
		if r.err != "" {
			res.Rejected = append(res.Rejected, ImportedRow{Row: r.line, Reason: r.err})
			continue
		}
		good, goodRow = append(good, r.v), append(goodRow, r.line)
	}
	if err := e.callExists(ctx, callID); err != nil {
		return res, err
	}
	for start := 0; start < len(good); start += ImportBatch {
		end := min(start+ImportBatch, len(good))
		refused, err := batchUpdate(ctx, callID, good[start:end], func(_ []int, vs []workflows.Verdict) error {
			var res workflows.ScreenResult
			return e.update(ctx, callID, workflows.UpdateScreen, workflows.ScreenInput{Verdicts: vs, By: e.By}, &res)
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
	res.print(e.Out, path)
	return res, nil
}

// EndScreening ends screening: applications without a verdict are
// declared eligible (they passed the automatic checks).
func (e Env) EndScreening(ctx context.Context, callID string) error {
	var res workflows.EndScreeningResult
	if err := e.update(ctx, callID, workflows.UpdateEndScreening, workflows.EndScreeningInput{By: e.By}, &res); err != nil {
		return e.alreadyDone(err)
	}
	fmt.Fprintf(e.Out, "%s: screening ended; %s without a verdict declared eligible\n", callID, words.Count(res.Pending, "application", "applications"))
	return nil
}

type verdictRow struct {
	line int
	v    workflows.Verdict
	err  string
}

func readVerdicts(path string) ([]verdictRow, error) {
	var records [][]string
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		data, err := io.ReadAll(io.LimitReader(f, 16<<20))
		if err != nil {
			return nil, err
		}
		text := strings.TrimPrefix(string(data), "\ufeff")
		r := csv.NewReader(strings.NewReader(text))
		if first, _, _ := strings.Cut(text, "\n"); strings.Count(first, ";") > strings.Count(first, ",") {
			r.Comma = ';'
		}
		r.FieldsPerRecord = -1
		if records, err = r.ReadAll(); err != nil {
			return nil, err
		}
	case ".xlsx":
		f, err := excelize.OpenFile(path, excelize.Options{RawCellValue: true, UnzipSizeLimit: 256 << 20})
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if records, err = f.GetRows(f.GetSheetName(0), excelize.Options{RawCellValue: true}); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("unsupported file type %q; use .csv or .xlsx", filepath.Ext(path))
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
