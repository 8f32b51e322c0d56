package officer

import (
	"context"
	"fmt"
	"io"
	"sort"

	"github.com/callcycle/callcycle/internal/intake"
	"github.com/schollz/progressbar/v3"
)

// ImportResult is the per-row outcome of a bulk import.
type ImportResult struct {
	Accepted []ImportedRow
	Rejected []ImportedRow
}

// ImportedRow is one data row of the file.
type ImportedRow struct {
	Row       int // as numbered in the file (header = 1)
	Reference string
	Reason    string
}

// Import submits every valid row of a CSV or XLSX file and reports each
// rejected row with its reason.
func (e Env) Import(ctx context.Context, callID, path string) (ImportResult, error) {
	rows, err := intake.ReadBulk(path)
	if err != nil {
		return ImportResult{}, fmt.Errorf("%w: %s: %v", ErrUsage, path, err)
	}
	var res ImportResult
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
		var bar *progressbar.ProgressBar
		if e.Progress != nil {
			bar = progressbar.NewOptions(len(apps), progressbar.OptionSetWriter(e.Progress),
				progressbar.OptionSetDescription("submitting"), progressbar.OptionShowCount(),
				progressbar.OptionOnCompletion(func() { fmt.Fprintln(e.Progress) }))
		}
		refs, refused, err := e.submitBatches(ctx, callID, apps, ImportBatch, bar)
		if err != nil {
			return ImportResult{}, err
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
	res.print(e.Out, path)
	return res, nil
}

func (r ImportResult) print(w io.Writer, path string) {
	fmt.Fprintf(w, "%s: %d accepted, %d rejected\n", path, len(r.Accepted), len(r.Rejected))
	for _, a := range r.Accepted {
		fmt.Fprintf(w, "  row %d: accepted %s\n", a.Row, a.Reference)
	}
	for _, x := range r.Rejected {
		fmt.Fprintf(w, "  row %d: REJECTED: %s\n", x.Row, x.Reason)
	}
}

func oneLine(err error) string {
	s := err.Error()
	out := make([]rune, 0, len(s))
	for _, c := range s {
		if c == '\n' {
			out = append(out, ';', ' ')
			continue
		}
		out = append(out, c)
	}
	return string(out)
}
