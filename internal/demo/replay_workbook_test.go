package demo_test

import (
	"context"
	"strings"
	"testing"

	"github.com/callcycle/callcycle/internal/annual"
	"github.com/callcycle/callcycle/internal/testenv"
	"github.com/callcycle/callcycle/workflows"
	"github.com/xuri/excelize/v2"
	"go.temporal.io/api/workflowservice/v1"
)

// checkAnnualWorkbook reads the written 2024 workbook back and checks
// every figure the report prints.
func checkAnnualWorkbook(t *testing.T, path string) {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	raw := excelize.Options{RawCellValue: true}
	rows := func(sheet string) [][]string {
		r, err := f.GetRows(sheet, raw)
		if err != nil {
			t.Fatalf("%s: %v", sheet, err)
		}
		return r
	}
	// Funded projects: the totals of the four tables.
	totals := map[string][]string{}
	for _, r := range rows(annual.SheetProjects) {
		if len(r) >= 4 && strings.HasPrefix(r[0], "TOTAL") {
			totals[r[0]] = append(totals[r[0]], r[3])
		}
	}
	if got := strings.Join(totals["TOTAL AP SUD"], ","); got != "625346" {
		t.Errorf("TOTAL AP SUD = %s", got)
	}
	if got := strings.Join(totals["TOTAL AP NORD"], ","); got != "200000" {
		t.Errorf("TOTAL AP NORD = %s", got)
	}
	if got := strings.Join(totals["TOTAL HORS AP"], ","); got != "6200,26500" {
		t.Errorf("TOTAL HORS AP = %s", got)
	}
	// Breakdowns: amount, percentage and the Belgian-style text.
	check := func(sheet string, want map[string][3]string) {
		seen := 0
		for _, r := range rows(sheet) {
			if len(r) < 4 {
				continue
			}
			if w, ok := want[r[0]]; ok {
				seen++
				if r[1] != w[0] || r[2] != w[1] || r[3] != w[2] {
					t.Errorf("%s %q: %v, want %v", sheet, r[0], r[1:4], w)
				}
			}
		}
		if seen != len(want) {
			t.Errorf("%s: found %d of %d lines", sheet, seen, len(want))
		}
	}
	check(annual.SheetKinds, map[string][3]string{
		"Appel à projets Sud": {"625346", "71", "625.346 €"}, "Appel à projets CMS": {"200000", "23", "200.000 €"},
		"Hors appels": {"32700", "4", "32.700 €"}, "Frais de fonctionnement": {"23196", "2", "23.196 €"}, "Aide d'urgence": {"0", "0", "0 €"},
	})
	check(annual.SheetZones, map[string][3]string{
		"Territoire palestinien occupé": {"424946", "48", "424.946 €"}, "Région de Bruxelles-Capitale": {"243072", "28", "243.072 €"},
		"Région de Rabat-Salé-Kénitra": {"126238", "14", "126.238 €"}, "Ville-Province de Kinshasa": {"80786", "9", "80.786 €"},
		"Maroc (hors RRSK)": {"6200", "1", "6.200 €"},
	})
	history := map[string]string{}
	for _, r := range rows(annual.SheetHistory) {
		if len(r) >= 2 {
			history[r[0]] = r[1]
		}
	}
	for y, v := range map[string]string{"2022": "1437344", "2023": "1385783", "2024": "881242"} {
		if history[y] != v {
			t.Errorf("committed %s = %q, want %s", y, history[y], v)
		}
	}
}

// checkNoPersonalData exports every workflow history of the run and looks
// for any applicant e-mail address or bank account in it.
func (s *stack) checkNoPersonalData(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	var needles []string
	rows, err := s.db.Query(ctx, `SELECT email FROM applications UNION SELECT iban FROM applications WHERE iban IS NOT NULL
		UNION SELECT email FROM call_contacts`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var v string
		_ = rows.Scan(&v)
		needles = append(needles, v, strings.ToLower(v))
	}
	if len(needles) < 40 {
		t.Fatalf("only %d personal values to look for", len(needles))
	}
	var token []byte
	histories := 0
	for {
		resp, err := s.tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{NextPageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range resp.Executions {
			it := s.tc.GetWorkflowHistory(ctx, e.Execution.WorkflowId, e.Execution.RunId, false, 0)
			var b strings.Builder
			for it.HasNext() {
				ev, err := it.Next()
				if err != nil {
					t.Fatal(err)
				}
				b.WriteString(ev.String())
			}
			histories++
			h := b.String()
			for _, n := range needles {
				if strings.Contains(h, n) {
					t.Errorf("%s holds personal data %q", e.Execution.WorkflowId, n)
				}
			}
		}
		if token = resp.NextPageToken; len(token) == 0 {
			break
		}
	}
	if histories < 25 {
		t.Fatalf("looked at %d histories only", histories)
	}
	t.Logf("%d workflow histories hold no applicant e-mail or bank account", histories)
}

// keepReplayHistories records the replay's histories for the replay test.
func (s *stack) keepReplayHistories(t *testing.T) {
	testenv.SaveHistory(t, s.tc, workflows.CallWorkflowID("AP-SUD-2024"), "replay-call-sud-2024")
	testenv.SaveHistory(t, s.tc, workflows.CallWorkflowID("AP-CMS-2024"), "replay-call-cms-2024")
	testenv.SaveHistory(t, s.tc, workflows.GrantWorkflowID("AP-SUD-2024-0001"), "replay-grant-sud-2024-0001")
	testenv.SaveHistory(t, s.tc, workflows.BudgetWorkflowID(2024), "replay-budget-2024")
	testenv.SaveHistory(t, s.tc, workflows.AnnualReportWorkflowID(2024), "replay-annual-report-2024")
	testenv.SaveHistory(t, s.tc, workflows.GovernmentWorkflowID, "replay-government")
}
