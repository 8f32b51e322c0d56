package main

import (
	"fmt"
	"io"

	"github.com/callcycle/callcycle/internal/operations"
	"github.com/spf13/cobra"
)

// historyCmd is `starter history`: a call's or grant's history, from
// Temporal while it keeps the run, then from callcycle's archive.
func historyCmd(withEnv func(*cobra.Command) *cobra.Command, c *cli) *cobra.Command {
	var run string
	cmd := &cobra.Command{
		Use:   "history <call-id | grant-id | workflow-id>",
		Short: "show a workflow's history (the audit trail), also after Temporal's retention",
		Long: "Shows every event of a call's or grant's run: from Temporal while the namespace retention keeps it,\n" +
			"then from PostgreSQL, where the hourly export copies each closed run (closed_histories).",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			r, err := c.svc.History(cmd.Context(), c.actor(), operations.HistoryInput{WorkflowID: a[0], RunID: run})
			return show(c, cmd, r, err, printHistory)
		},
	}
	cmd.Flags().StringVar(&run, "run", "", "a run id (default: the latest run)")
	return withEnv(cmd)
}

func printHistory(w io.Writer, r operations.HistoryResult) {
	from := "Temporal"
	if r.Source == operations.FromArchive {
		from = "callcycle's archive (exported " + fmtTimep(r.ExportedAt) + "; Temporal no longer keeps it)"
	}
	fmt.Fprintf(w, "%s (%s), run %s: %d events, from %s\n", r.WorkflowID, r.WorkflowType, r.RunID, len(r.Events), from)
	if len(r.KeptRuns) > 1 {
		fmt.Fprintf(w, "  kept runs, oldest first: %v\n", r.KeptRuns)
	}
	for _, e := range r.Events {
		fmt.Fprintf(w, "%6d  %s  %-44s %s\n", e.ID, fmtTime(e.Time), e.Type, e.Name)
	}
}
