package workflows

import (
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// Register adds every workflow under its constant name.
func Register(r worker.WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(CallWorkflow, workflow.RegisterOptions{Name: CallWorkflowName})
	r.RegisterWorkflowWithOptions(GovernmentWorkflow, workflow.RegisterOptions{Name: GovernmentWorkflowName})
	r.RegisterWorkflowWithOptions(GrantWorkflow, workflow.RegisterOptions{Name: GrantWorkflowName})
	r.RegisterWorkflowWithOptions(BudgetWorkflow, workflow.RegisterOptions{Name: BudgetWorkflowName})
	r.RegisterWorkflowWithOptions(AnnualReportWorkflow, workflow.RegisterOptions{Name: AnnualReportWorkflowName})
	r.RegisterWorkflowWithOptions(PurgeIntakeWorkflow, workflow.RegisterOptions{Name: PurgeIntakeWorkflowName})
	r.RegisterWorkflowWithOptions(ExportHistoriesWorkflow, workflow.RegisterOptions{Name: ExportHistoriesWorkflowName})
}
