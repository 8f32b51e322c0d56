package officer

import (
	"context"
	"encoding/csv"
	"fmt"
	"github.com/callcycle/callcycle/internal/callspec"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/workflows"
	"github.com/xuri/excelize/v2"
)

// Demo2024 replays the 2024 activity report through the real workflows:
// the Sud and CMS calls from launch to the government's decision, the
// caretaker period from June 2024, the grants signed and their first
// tranche paid (during caretaker mode), the grants outside calls, the
// operating costs and the budgets of 2022 and 2023; then it writes the
// 2024 annual report to out.
//
// The calendar is shifted: each call is launched with its deadline an
// hour from now and closed at once, and its 2024 budget year closes in 30
// days, so that a replay run today behaves as the calls did in 2024.
// Grant durations are compressed by the calls' time_scale.
func (e Env) Demo2024(ctx context.Context, dir, out string) (workflows.AnnualReportResult, error) {
	var res workflows.AnnualReportResult
	if _, err := e.Temporal.DescribeWorkflowExecution(ctx, workflows.CallWorkflowID("AP-SUD-2024"), ""); err == nil {
		var decided int
		if err := e.DB.QueryRow(ctx, `SELECT count(*) FROM decisions WHERE call_id IN ('AP-SUD-2024', 'AP-CMS-2024')`).Scan(&decided); err != nil {
			return res, err
		}
		if decided != 2 {
			return res, usage("a call AP-SUD-2024 exists here but was not made by the replay; `starter demo 2024` runs the replay in a namespace and database of its own")
		}
		fmt.Fprintln(e.Out, "the 2024 calls were already replayed on this stack; writing the annual report again")
		return e.AnnualReport(ctx, 2024, out)
	}
	step := func(format string, args ...any) { fmt.Fprintf(e.Out, "== "+format+"\n", args...) }
	// The funded projects come first in each applications file.
	for _, c := range []struct {
		id, file, apps string
		funded         int
	}{
		{"AP-SUD-2024", "call-sud-2024.yaml", "applications-sud-2024.csv", 10},
		{"AP-CMS-2024", "call-cms-2024.yaml", "applications-cms-2024.csv", 11},
	} {
		step("%s: launch, applications, screening, committee, decision", c.id)
		if err := e.replayCall(ctx, dir, c.id, c.file, c.apps, c.funded); err != nil {
			return res, fmt.Errorf("%s: %w", c.id, err)
		}
	}
	step("June 2024 elections: caretaker mode")
	if err := e.GovernmentCaretaker(ctx, "2024-06-10"); err != nil && !strings.Contains(err.Error(), "already in caretaker") {
		return res, err
	}
	step("grants: signed, paid, reported and closed (payments continue in caretaker mode)")
	if err := e.replayGrants(ctx); err != nil {
		return res, err
	}
	step("grants outside calls, operating costs, budgets of 2022 and 2023")
	if err := e.replayBudget(ctx, dir); err != nil {
		return res, err
	}
	step("annual report 2024")
	return e.AnnualReport(ctx, 2024, out)
}

var (
	deadlineLine = regexp.MustCompile(`(?m)^deadline:.*$`)
	closesLine   = regexp.MustCompile(`(?m)^budget_closes:.*$`)
)

func (e Env) replayCall(ctx context.Context, dir, callID, file, apps string, funded int) error {
	data, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		return err
	}
	now := time.Now()
	cfg := deadlineLine.ReplaceAllString(string(data), fmt.Sprintf("deadline: %q", now.Add(time.Hour).Format(time.RFC3339)))
	cfg = closesLine.ReplaceAllString(cfg, "")
	cfg += fmt.Sprintf("budget_closes: %q\n", now.AddDate(0, 0, 30).Format("2006-01-02"))
	tmp, err := os.CreateTemp("", callID+"-*.yaml")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(cfg); err != nil {
		return err
	}
	tmp.Close()
	quiet := e
	quiet.Out, quiet.Progress = &strings.Builder{}, nil
	if _, err := quiet.Launch(ctx, tmp.Name(), LaunchOptions{}); err != nil {
		return err
	}
	imp, err := quiet.Import(ctx, callID, filepath.Join(dir, apps))
	if err != nil {
		return err
	}
	if len(imp.Rejected) > 0 {
		return fmt.Errorf("%d applications refused: %+v", len(imp.Rejected), imp.Rejected)
	}
	if _, err := quiet.Close(ctx, callID, "2024 replay"); err != nil {
		return err
	}
	if err := quiet.waitFor(ctx, callID, func(s workflows.StatusResult) bool {
		return s.Stage == workflows.StageScreening && s.Screening.Pending+s.Screening.Screened == s.Submitted
	}); err != nil {
		return err
	}
	if err := quiet.EndScreening(ctx, callID); err != nil {
		return err
	}
	if err := quiet.waitFor(ctx, callID, func(s workflows.StatusResult) bool { return s.Stage == workflows.StageReview && s.ScoringPath != "" }); err != nil {
		return err
	}
	book := filepath.Join(os.TempDir(), callID+"-scoring.xlsx")
	defer os.Remove(book)
	if err := quiet.ReviewExport(ctx, callID, book); err != nil {
		return err
	}
	if err := fillReplayScores(book, funded); err != nil {
		return err
	}
	p, err := quiet.ReviewImport(ctx, callID, book)
	if err != nil {
		return err
	}
	if _, err := quiet.Decide(ctx, callID, DecideOptions{Decree: "AGRBC 2024/" + callID, All: true}); err != nil {
		return err
	}
	fmt.Fprintf(e.Out, "   %d applications, %d proposed and granted: %s\n", len(imp.Accepted), p.Selected, p.SelectedTotal)
	return nil
}

// fillReplayScores gives the first `funded` applications (the projects
// the report lists) the top scores; the others rank below them.
func fillReplayScores(path string, funded int) error {
	f, err := excelize.OpenFile(path)
	if err != nil {
		return err
	}
	defer f.Close()
	for _, sheet := range f.GetSheetList() {
		if !strings.HasPrefix(sheet, "Scores-") {
			continue
		}
		rows, err := f.GetRows(sheet)
		if err != nil {
			return err
		}
		header := rows[0]
		for i := 1; i < len(rows); i++ {
			ref := rows[i][0]
			seq, _ := strconv.Atoi(ref[strings.LastIndex(ref, "-")+1:])
			score := 9
			if seq > funded {
				score = 3
			}
			for c := 5; c < len(header) && strings.Contains(header[c], "×"); c++ {
				cell, _ := excelize.CoordinatesToCellName(c+1, i+1)
				if err := f.SetCellInt(sheet, cell, int64(score)); err != nil {
					return err
				}
			}
		}
	}
	return f.Save()
}

func (e Env) waitFor(ctx context.Context, callID string, cond func(workflows.StatusResult) bool) error {
	quiet := e
	quiet.Out = &strings.Builder{}
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if ctx.Err() != nil { // interrupted: stop now, not after a minute of failed queries
			return ctx.Err()
		}
		s, err := quiet.Status(ctx, callID, true)
		if err == nil && cond(s) {
			return nil
		}
	}
	return fmt.Errorf("%s did not reach the expected step within a minute", callID)
}

func (e Env) replayGrants(ctx context.Context) error {
	quiet := e
	quiet.Out = &strings.Builder{}
	rows, err := e.DB.Query(ctx, `SELECT reference, granted_cents FROM applications WHERE decision = 'granted' AND call_id IN ('AP-SUD-2024', 'AP-CMS-2024') ORDER BY reference`)
	if err != nil {
		return err
	}
	var refs []string
	granted := map[string]money.Cents{}
	for rows.Next() {
		var r string
		var c int64
		if err := rows.Scan(&r, &c); err != nil {
			return err
		}
		refs, granted[r] = append(refs, r), money.Cents(c)
	}
	today := time.Now().In(callspec.Brussels).Format("2006-01-02")
	for _, ref := range refs {
		id := workflows.GrantWorkflowID(ref)
		var err error
		for i := 0; i < 50; i++ { // the call starts its grants in batches: wait for each
			if err = quiet.GrantSign(ctx, id, today); err == nil || ctx.Err() != nil || !strings.Contains(err.Error(), "no grant") {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		if err != nil {
			return err
		}
		if err := quiet.GrantPaid(ctx, id, 1, today); err != nil {
			return err
		}
		// Each project then ends, reports having spent its grant, and is
		// closed, so that no compressed timer keeps chasing it afterwards.
		if err := quiet.GrantEndDate(ctx, id, time.Now().Add(time.Second).Format(time.RFC3339)); err != nil {
			return err
		}
		if err := quiet.GrantReport(ctx, id, GrantReportOptions{Beneficiaries: 100, Spent: granted[ref].String(), Lessons: "Rapport final du rejeu 2024."}); err != nil {
			return err
		}
		if err := quiet.GrantReview(ctx, id, true, "", ""); err != nil {
			return err
		}
		if err := quiet.GrantPaid(ctx, id, 2, today); err != nil {
			return err
		}
	}
	for _, call := range []string{"AP-SUD-2024", "AP-CMS-2024"} {
		if err := quiet.waitFor(ctx, call, func(s workflows.StatusResult) bool { return s.Stage == workflows.StageCompleted }); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.Out, "   %d grants signed, paid, reported and closed; both calls completed\n", len(refs))
	return nil
}

func readSemicolon(path string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return recs[1:], nil
}

func (e Env) replayBudget(ctx context.Context, dir string) error {
	quiet := e
	quiet.Out = &strings.Builder{}
	grants, err := readSemicolon(filepath.Join(dir, "direct-grants-2024.csv"))
	if err != nil {
		return err
	}
	for _, g := range grants {
		if err := quiet.DirectGrant(ctx, DirectGrantOptions{Year: 2024, Support: g[0], Programme: g[1], Operator: g[2],
			Project: g[3], Zone: g[4], Amount: g[5], DecidedOn: g[6]}); err != nil {
			return err
		}
	}
	expenses, err := readSemicolon(filepath.Join(dir, "expenses-2024.csv"))
	if err != nil {
		return err
	}
	for _, x := range expenses {
		if err := quiet.Expense(ctx, ExpenseOptions{Year: 2024, Invoice: x[0], Supplier: x[1], Description: x[2], Zone: x[3], Amount: x[4], Date: x[5]}); err != nil {
			return err
		}
	}
	budgets, err := readSemicolon(filepath.Join(dir, "budgets.csv"))
	if err != nil {
		return err
	}
	for _, b := range budgets {
		y, _ := strconv.Atoi(b[0])
		if err := quiet.BudgetHistory(ctx, y, b[1], b[2]); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.Out, "   %d grants outside calls, %d invoices, %d earlier budgets\n", len(grants), len(expenses), len(budgets))
	return nil
}
