package workflows_test

import (
	"strings"
	"testing"
	"time"

	"github.com/callcycle/callcycle/activities"
	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/internal/testenv"
	"github.com/callcycle/callcycle/workflows"
	"github.com/jackc/pgx/v5"
	"go.temporal.io/sdk/testsuite"
)

func TestBudgetYearRefusesBadEntries(t *testing.T) {
	t.Parallel()
	db, _ := testenv.Postgres(t)
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC))
	workflows.Register(env)
	env.RegisterActivity(&activities.Activities{DB: db})
	d := func(s string) time.Time { t, _ := time.Parse("2006-01-02", s); return t }
	pianofabriek := workflows.DirectGrantInput{Support: "hors-appel", Programme: "sud", Operator: "GC Pianofabriek",
		Project: "Femimain", Zone: "Maroc (hors RRSK)", Amount: money.Euros(6200), DecidedOn: d("2024-02-20"), By: "officer"}
	invoice := workflows.ExpenseInput{Invoice: "F-2024-027", Supplier: "Brussels Airlines", Description: "Mission",
		Zone: "Région de Rabat-Salé-Kénitra", Amount: money.Euros(1238), InvoicedOn: d("2024-04-22"), By: "officer"}
	mod := func(f func(*workflows.DirectGrantInput)) workflows.DirectGrantInput {
		x := pianofabriek
		f(&x)
		return x
	}
	modX := func(f func(*workflows.ExpenseInput)) workflows.ExpenseInput { x := invoice; f(&x); return x }
	type tc struct {
		name, update string
		arg          any
		want         string // "" = accepted
	}
	cases := []tc{
		{"unknown zone before the zones are read", workflows.UpdateDirectGrant, pianofabriek, "unknown zone"},
		{"read the kept zones", workflows.UpdateRefreshZones, workflows.RefreshZonesInput{By: "officer"}, ""},
		{"grant", workflows.UpdateDirectGrant, pianofabriek, ""},
		{"same grant again", workflows.UpdateDirectGrant, mod(func(x *workflows.DirectGrantInput) { x.Operator = "gc  pianofabriek" }), "already recorded"},
		{"unknown support", workflows.UpdateDirectGrant, mod(func(x *workflows.DirectGrantInput) { x.Support = "gift"; x.Project = "p2" }), "support: "},
		{"zero amount", workflows.UpdateDirectGrant, mod(func(x *workflows.DirectGrantInput) { x.Amount = 0; x.Project = "p3" }), "amount: "},
		{"other year", workflows.UpdateDirectGrant, mod(func(x *workflows.DirectGrantInput) { x.DecidedOn = d("2023-12-31"); x.Project = "p4" }), "want a date in 2024"},
		{"header injection", workflows.UpdateDirectGrant, mod(func(x *workflows.DirectGrantInput) { x.Operator = "A\r\nBcc: x@y" }), "one line"},
		{"no zone", workflows.UpdateDirectGrant, mod(func(x *workflows.DirectGrantInput) { x.Zone = " "; x.Project = "p5" }), "zone: required"},
		{"unknown zone", workflows.UpdateDirectGrant, mod(func(x *workflows.DirectGrantInput) { x.Zone = "Territoire palestinien"; x.Project = "p6" }),
			`zone: unknown zone "Territoire palestinien" (known zones: `},
		{"emergency, zone in capitals", workflows.UpdateDirectGrant, mod(func(x *workflows.DirectGrantInput) {
			x.Support = "urgence"
			x.Project = "séisme"
			x.Zone = "  MAROC (HORS RRSK) "
		}), ""},
		{"reverse an unknown grant", workflows.UpdateReverseDirectGrant, workflows.ReverseDirectGrantInput{Operator: "x", Project: "y", Reason: "r", By: "officer"}, "no grant x — y"},
		{"reverse without reason", workflows.UpdateReverseDirectGrant, workflows.ReverseDirectGrantInput{Operator: "GC Pianofabriek", Project: "Femimain", By: "officer"}, "reason: required"},
		{"reverse the grant", workflows.UpdateReverseDirectGrant, workflows.ReverseDirectGrantInput{Operator: "gc pianofabriek", Project: "FEMIMAIN", Reason: "wrong zone", By: "officer"}, ""},
		{"reverse it twice", workflows.UpdateReverseDirectGrant, workflows.ReverseDirectGrantInput{Operator: "GC Pianofabriek", Project: "Femimain", Reason: "again", By: "officer"}, "already reversed"},
		{"record it again", workflows.UpdateDirectGrant, pianofabriek, ""},
		{"invoice", workflows.UpdateExpense, invoice, ""},
		{"invoice twice", workflows.UpdateExpense, modX(func(x *workflows.ExpenseInput) { x.Invoice = "f-2024- 027" }), "already recorded"},
		{"invoice negative", workflows.UpdateExpense, modX(func(x *workflows.ExpenseInput) { x.Invoice = "F2"; x.Amount = -5 }), "amount: "},
		{"invoice formula text is kept as text", workflows.UpdateExpense, modX(func(x *workflows.ExpenseInput) { x.Invoice = "F3"; x.Supplier = "=HYPERLINK(\"x\")" }), ""},
		{"invoice in another spelling of the zone", workflows.UpdateExpense, modX(func(x *workflows.ExpenseInput) { x.Invoice = "F4"; x.Zone = "Territoire Palestinien Occupé" }), ""},
		{"reverse the invoice", workflows.UpdateReverseExpense, workflows.ReverseExpenseInput{Invoice: "f4", Reason: "wrong amount", By: "officer"}, ""},
		{"reverse the invoice twice", workflows.UpdateReverseExpense, workflows.ReverseExpenseInput{Invoice: "F4", Reason: "again", By: "officer"}, "already reversed"},
		{"reverse an unknown invoice", workflows.UpdateReverseExpense, workflows.ReverseExpenseInput{Invoice: "F9", Reason: "r", By: "officer"}, "no invoice F9"},
		{"invoice recorded again", workflows.UpdateExpense, modX(func(x *workflows.ExpenseInput) { x.Invoice = "F4"; x.Zone = "territoire palestinien occupe" }), ""},
		{"history of a past year", workflows.UpdateBudgetHistory, workflows.BudgetHistoryInput{Committed: money.Euros(1385783), Source: "rapport", By: "officer"}, ""},
		{"history twice", workflows.UpdateBudgetHistory, workflows.BudgetHistoryInput{Committed: money.Euros(1), Source: "x", By: "officer"}, "already recorded"},
		{"reverse the history", workflows.UpdateReverseHistory, workflows.ReverseBudgetHistoryInput{Reason: "typo", By: "officer"}, ""},
		{"reverse the history twice", workflows.UpdateReverseHistory, workflows.ReverseBudgetHistoryInput{Reason: "typo", By: "officer"}, "already reversed"},
		{"history recorded again", workflows.UpdateBudgetHistory, workflows.BudgetHistoryInput{Committed: money.Euros(1385783), Source: "rapport", By: "officer"}, ""},
	}
	outs := make([]outcome, len(cases))
	for i, c := range cases {
		env.RegisterDelayedCallback(func() {
			env.UpdateWorkflow(c.update, "", &testsuite.TestUpdateCallback{
				OnReject: func(err error) { outs[i].rejected = err }, OnAccept: func() {},
				OnComplete: func(_ any, err error) { outs[i].err = err },
			}, c.arg)
		}, time.Duration(i+1)*time.Minute)
	}
	var st workflows.BudgetStatus
	env.RegisterDelayedCallback(func() {
		v, _ := env.QueryWorkflow(workflows.QueryBudget, workflows.BudgetQuery{})
		_ = v.Get(&st)
	}, time.Hour)
	env.RegisterDelayedCallback(env.CancelWorkflow, 2*time.Hour)
	env.ExecuteWorkflow(workflows.BudgetWorkflowName, workflows.BudgetInput{Year: 2024})
	for i, c := range cases {
		switch {
		case c.want == "" && (outs[i].rejected != nil || outs[i].err != nil):
			t.Errorf("%s: want accepted, got %v %v", c.name, outs[i].rejected, outs[i].err)
		case c.want != "" && (outs[i].rejected == nil || !strings.Contains(outs[i].rejected.Error(), c.want)):
			t.Errorf("%s: want refusal containing %q, got %v", c.name, c.want, outs[i].rejected)
		}
	}
	if st.DirectGrants != money.Euros(6200) || st.Emergency != money.Euros(6200) || st.Expenses != money.Euros(3714) || st.History != money.Euros(1385783) {
		t.Fatalf("totals %+v", st)
	}
	var n int
	_ = db.QueryRow(t.Context(), `SELECT (SELECT count(*) FROM direct_grants) + (SELECT count(*) FROM expenses)`).Scan(&n)
	if n != 7 {
		t.Fatalf("rows stored: %d, want 7 (2 grants, 1 reversed and recorded again; 2 invoices, 1 reversed and recorded again)", n)
	}
	// Every zone is stored in its kept spelling; the originals stay, each
	// reversal refers to one and says who and why.
	rows, _ := db.Query(t.Context(), `SELECT zone FROM direct_grants UNION ALL SELECT zone FROM expenses ORDER BY 1`)
	got, _ := pgx.CollectRows(rows, pgx.RowTo[string])
	want := []string{"Maroc (hors RRSK)", "Maroc (hors RRSK)", "Maroc (hors RRSK)", "Région de Rabat-Salé-Kénitra", "Région de Rabat-Salé-Kénitra",
		"Territoire palestinien occupé", "Territoire palestinien occupé"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("zones stored %q, want %q", got, want)
	}
	rows, _ = db.Query(t.Context(), `SELECT coalesce(grant_key, invoice || '/' || invoice_version, 'history/' || history_version) || ' ' || amount_cents || ' ' || reason || ' ' || recorded_by
		FROM budget_reversals ORDER BY reversal_id`)
	got, _ = pgx.CollectRows(rows, pgx.RowTo[string])
	if len(got) != 3 || !strings.HasSuffix(got[0], " -620000 wrong zone officer") || got[1] != "F4/1 -123800 wrong amount officer" {
		t.Errorf("reversals %q", got)
	}
	_ = db.QueryRow(t.Context(), `SELECT count(*) FROM budget_history h JOIN budget_reversals r ON r.year = h.year AND r.history_version = h.version
		WHERE h.version = 1 AND r.amount_cents = -138578300 AND r.reason = 'typo'`).Scan(&n)
	if n != 1 {
		t.Errorf("the reversed history: %d, want 1", n)
	}
	_ = db.QueryRow(t.Context(), `SELECT count(*) FROM direct_grants WHERE grant_key LIKE '%/2'`).Scan(&n)
	if n != 1 {
		t.Errorf("the grant recorded again after its reversal: %d rows with key /2, want 1", n)
	}
}
