package workflows_test

import (
	"testing"
	"time"

	"github.com/callcycle/callcycle/activities"
	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/workflows"
)

// A budget year records each entry through its activity, refuses a
// duplicate without one, and gives a key back when recording fails.
func TestBudgetLogic(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.env.SetStartTime(time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC))
	f.on(mact.RecordExpense, activities.ExpenseResult{}, failNow("database refused")).Once()
	// The kept zones, read by the refresh-zones update before any entry.
	f.on(mact.KnownZones, activities.KnownZonesResult{Zones: []string{"Maroc (hors RRSK)", "Région de Rabat-Salé-Kénitra"}}, nil)
	zones := f.update(30*time.Second, workflows.UpdateRefreshZones, workflows.RefreshZonesInput{By: "officer"})
	decided := time.Date(2024, 2, 20, 0, 0, 0, 0, time.UTC)
	g := workflows.DirectGrantInput{Support: "hors-appel", Programme: "sud", Operator: " GC Pianofabriek ", Project: "Femimain",
		Zone: "maroc (hors rrsk)", Amount: money.Euros(6200), DecidedOn: decided, By: "officer"}
	ok := f.update(time.Minute, workflows.UpdateDirectGrant, g)
	g2 := g
	g2.Operator = "gc  pianofabriek"
	dup := f.update(2*time.Minute, workflows.UpdateDirectGrant, g2)
	x := workflows.ExpenseInput{Invoice: "F-2024-027", Supplier: "Brussels Airlines", Description: "Mission", Zone: "Région de Rabat-Salé-Kénitra",
		Amount: money.Euros(1238), InvoicedOn: decided, By: "officer"}
	failed := f.update(3*time.Minute, workflows.UpdateExpense, x)
	retried := f.update(4*time.Minute, workflows.UpdateExpense, x)
	var st workflows.BudgetStatus
	f.query(time.Hour, workflows.QueryBudget, workflows.BudgetQuery{}, &st)
	f.run(2*time.Hour, workflows.BudgetWorkflowName, workflows.BudgetInput{Year: 2024})
	if !zones.ok() || !ok.ok() || dup.rejected == nil || failed.err == nil || !retried.ok() {
		t.Fatalf("grant %s, duplicate %s, failed expense %s, retried %s", ok, dup, failed, retried)
	}
	wantNames(t, f.names(), "KnownZones", "RecordDirectGrant", "RecordExpense", "RecordExpense")
	var dg activities.DirectGrantInput
	f.input("RecordDirectGrant", 0, &dg)
	if dg.Zone != "Maroc (hors RRSK)" || dg.Operator != "GC Pianofabriek" || dg.Year != 2024 || dg.Key == "" || dg.Amount != money.Euros(6200) {
		t.Fatalf("grant recorded as %+v", dg)
	}
	if st.DirectGrants != money.Euros(6200) || st.Expenses != money.Euros(1238) || st.Emergency != 0 {
		t.Fatalf("totals %+v (a failed entry must not count)", st)
	}
}

// The scheduled annual report (Year 0) is for the year that just ended
// in Brussels, even when it is still the previous year in UTC.
func TestAnnualReportLogicYear(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.env.SetStartTime(time.Date(2025, 1, 1, 0, 30, 0, 0, callspec.Brussels)) // 2024-12-31 23:30 UTC
	f.on(mact.BuildAnnualReport, activities.BuildAnnualReportResult{Path: "/out/2024.xlsx"}, nil)
	f.run(0, workflows.AnnualReportWorkflowName, workflows.AnnualReportInput{})
	var in activities.BuildAnnualReportInput
	f.input("BuildAnnualReport", 0, &in)
	var res workflows.AnnualReportResult
	if err := f.env.GetWorkflowResult(&res); err != nil || in.Year != 2024 || res.Path != "/out/2024.xlsx" {
		t.Fatalf("report for %d: %+v %v", in.Year, res, err)
	}
}
