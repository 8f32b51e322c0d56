package main

import (
	"reflect"

	"github.com/callcycle/callcycle/internal/operations"
)

// resultTypes is what each command prints with --json, by command path:
// the operations Result it formats (docs/json.md). A command added
// without an entry fails TestEveryCommandHasJSON.
var resultTypes = map[string]reflect.Type{
	"starter launch":                 reflect.TypeFor[operations.LaunchResult](),
	"starter apply":                  reflect.TypeFor[operations.ApplyResult](),
	"starter import":                 reflect.TypeFor[operations.ImportResult](),
	"starter close":                  reflect.TypeFor[operations.CloseResult](),
	"starter extend":                 reflect.TypeFor[operations.ExtendResult](),
	"starter status":                 reflect.TypeFor[operations.CallStatus](),
	"starter history":                reflect.TypeFor[operations.HistoryResult](),
	"starter audit verify":           reflect.TypeFor[operations.AuditVerifyResult](),
	"starter audit export":           reflect.TypeFor[operations.AuditExportResult](),
	"starter screen":                 reflect.TypeFor[operations.ScreenResult](),
	"starter screen import":          reflect.TypeFor[operations.ImportResult](),
	"starter screen end":             reflect.TypeFor[operations.EndScreeningResult](),
	"starter review export":          reflect.TypeFor[operations.ReviewExportResult](),
	"starter review import":          reflect.TypeFor[operations.ReviewImportResult](),
	"starter review proposal":        reflect.TypeFor[operations.ReviewProposalResult](),
	"starter government caretaker":   reflect.TypeFor[operations.GovernmentChangeResult](),
	"starter government installed":   reflect.TypeFor[operations.GovernmentChangeResult](),
	"starter government status":      reflect.TypeFor[operations.GovernmentStatusResult](),
	"starter decide":                 reflect.TypeFor[operations.DecideResult](),
	"starter approve":                reflect.TypeFor[operations.ApprovalResult](),
	"starter refuse":                 reflect.TypeFor[operations.ApprovalResult](),
	"starter carry-over":             reflect.TypeFor[operations.CarryOverResult](),
	"starter cancel":                 reflect.TypeFor[operations.CancelResult](),
	"starter grant sign":             reflect.TypeFor[operations.GrantChangeResult](),
	"starter grant paid":             reflect.TypeFor[operations.GrantChangeResult](),
	"starter grant end-date":         reflect.TypeFor[operations.GrantChangeResult](),
	"starter grant report":           reflect.TypeFor[operations.GrantChangeResult](),
	"starter grant review":           reflect.TypeFor[operations.GrantChangeResult](),
	"starter grant status":           reflect.TypeFor[operations.GrantStatus](),
	"starter grant direct":           reflect.TypeFor[operations.BudgetEntryResult](),
	"starter grant direct reverse":   reflect.TypeFor[operations.BudgetEntryResult](),
	"starter payments export":        reflect.TypeFor[operations.PaymentsExportResult](),
	"starter annual-report":          reflect.TypeFor[operations.AnnualReportResult](),
	"starter demo":                   reflect.TypeFor[operations.AnnualReportResult](),
	"starter expense":                reflect.TypeFor[operations.BudgetEntryResult](),
	"starter expense reverse":        reflect.TypeFor[operations.BudgetEntryResult](),
	"starter budget history":         reflect.TypeFor[operations.BudgetEntryResult](),
	"starter budget history reverse": reflect.TypeFor[operations.BudgetEntryResult](),
	"starter budget zones":           reflect.TypeFor[operations.ZonesResult](),
	"starter migrate":                reflect.TypeFor[migrateResult](),
}
