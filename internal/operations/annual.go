package operations

import (
	"context"
	"fmt"
	"strconv"

	"github.com/callcycle/callcycle/workflows"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
)

// AnnualReportInput names the year.
type AnnualReportInput struct {
	Year int `json:"year"`
}

// AnnualReportResult is the year's report: the workbook (written by the
// worker under its OUTPUT_DIR) and its totals.
type AnnualReportResult struct {
	Year   int          `json:"year"`
	Path   string       `json:"path"` // on the worker's file system
	Total  Money        `json:"total"`
	ByKind []ReportLine `json:"by_kind"`
	ByZone []ReportLine `json:"by_zone"`
}

// ReportLine is one line of the report with its share of the total.
type ReportLine struct {
	Label   string `json:"label"`
	Amount  Money  `json:"amount"`
	Percent int    `json:"percent"`
}

// AnnualReport runs the annual-report workflow for a year and waits for
// the workbook.
func (s *Service) AnnualReport(ctx context.Context, by Actor, in AnnualReportInput) (res AnnualReportResult, err error) {
	defer s.audited(ctx, by, "annual.report", in, &err, func() string { return strconv.Itoa(in.Year) })
	if in.Year < 2000 || in.Year > 2100 {
		return AnnualReportResult{}, refused("year", "want a year such as 2024, got %d", in.Year)
	}
	run, err := s.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: workflows.AnnualReportWorkflowID(in.Year), TaskQueue: workflows.TaskQueue,
		WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		StaticSummary:            fmt.Sprintf("Annual report %d", in.Year),
	}, workflows.AnnualReportWorkflowName, workflows.AnnualReportInput{Year: in.Year})
	if err != nil {
		return AnnualReportResult{}, classify("", err)
	}
	var r workflows.AnnualReportResult
	if err := run.Get(ctx, &r); err != nil {
		return AnnualReportResult{}, classify("", err)
	}
	return AnnualReportOf(in.Year, r), nil
}

// AnnualReportOf is the Result of a finished annual-report workflow.
func AnnualReportOf(year int, r workflows.AnnualReportResult) AnnualReportResult {
	out := AnnualReportResult{Year: year, Path: r.Path, Total: M(r.Total), ByKind: []ReportLine{}, ByZone: []ReportLine{}}
	for i, l := range r.ByKind {
		out.ByKind = append(out.ByKind, ReportLine{Label: l.Label, Amount: M(l.Amount), Percent: r.KindPercent[i]})
	}
	for i, l := range r.ByZone {
		out.ByZone = append(out.ByZone, ReportLine{Label: l.Label, Amount: M(l.Amount), Percent: r.ZonePercent[i]})
	}
	return out
}
