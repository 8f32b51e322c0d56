package workflows

import (
	"fmt"
	"time"

	"github.com/callcycle/callcycle/activities"
	"github.com/callcycle/callcycle/internal/callspec"
	"go.temporal.io/sdk/workflow"
)

// Annual report names. The schedule starts AnnualReportWorkflow each year
// with Year 0, meaning "the year that just ended" (Brussels time).
const (
	AnnualReportWorkflowName = "AnnualReport"
	AnnualReportScheduleID   = "annual-report"
)

// AnnualReportWorkflowID is the id `starter annual-report` uses.
func AnnualReportWorkflowID(year int) string { return fmt.Sprintf("annual-report-%d", year) }

// AnnualReportInput names the year; 0 means the previous year.
type AnnualReportInput struct {
	Year int `json:"year"`
}

// AnnualReportResult is the workbook and its headline figures.
type AnnualReportResult = activities.BuildAnnualReportResult

// AnnualReportWorkflow writes a year's annual report workbook.
func AnnualReportWorkflow(ctx workflow.Context, in AnnualReportInput) (AnnualReportResult, error) {
	year := in.Year
	if year == 0 {
		year = workflow.Now(ctx).In(callspec.Brussels).Year() - 1
	}
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("**Annual report %d**: writing the workbook", year))
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Minute, RetryPolicy: dbOptions.RetryPolicy})
	var res AnnualReportResult
	if err := workflow.ExecuteActivity(actx, act.BuildAnnualReport, activities.BuildAnnualReportInput{Year: year}).Get(ctx, &res); err != nil {
		return res, err
	}
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("**Annual report %d**: %s committed  \nWorkbook: %s", year, res.Total, res.Path))
	return res, nil
}
