package main

import (
	"bytes"
	"fmt"
	"io"

	"github.com/callcycle/callcycle/internal/operations"
	"github.com/spf13/cobra"
)

// auditCmd is `starter audit verify|export`: the tamper-evident log of
// who did what.
func auditCmd(withEnv func(*cobra.Command) *cobra.Command, c *cli) *cobra.Command {
	group := &cobra.Command{Use: "audit", Short: "the audit log: check its chain, export a period"}
	verify := &cobra.Command{
		Use: "verify", Short: "check every row of the audit log against its hash and the row before it",
		Long: "Recomputes the audit log's hash chain from its first row. A row edited or removed behind the\n" +
			"application's back breaks the chain there (exit 1, kind \"tampered\"). Note the last hash it prints:\n" +
			"rows removed from the end leave a shorter chain that is intact, found only by comparing.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := c.svc.AuditVerify(cmd.Context(), c.actor(), operations.AuditVerifyInput{})
			return show(c, cmd, r, err, func(w io.Writer, r operations.AuditVerifyResult) {
				fmt.Fprintf(w, "audit log intact: %d rows, last hash %s\n", r.Rows, r.LastHash)
			})
		},
	}
	var from, to, out string
	export := &cobra.Command{
		Use: "export --from YYYY-MM-DD --to YYYY-MM-DD -o audit.csv", Short: "write the audit rows of a period as CSV",
		Long: "Writes every audit row from --from (included) to --to (excluded), Brussels days, as CSV: seq, time (UTC),\n" +
			"actor, role, action, target, result, the fields a refusal named, the input's digest and the chain's hashes.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := day("--from", from)
			if err != nil {
				return err
			}
			t, err := day("--to", to)
			if err != nil {
				return err
			}
			var b bytes.Buffer
			r, err := c.svc.AuditExport(cmd.Context(), c.actor(), operations.AuditExportInput{From: f, To: t, Out: &b})
			if err == nil {
				err = writeOutput(out, &b)
			}
			return show(c, cmd, r, err, func(w io.Writer, r operations.AuditExportResult) {
				fmt.Fprintf(w, "%d audit rows from %s to %s written to %s\n", r.Rows, from, to, out)
			})
		},
	}
	export.Flags().StringVar(&from, "from", "", "first day (included)")
	export.Flags().StringVar(&to, "to", "", "day after the last (excluded)")
	export.Flags().StringVarP(&out, "output", "o", "audit.csv", "file to write")
	group.AddCommand(withEnv(verify), withEnv(export))
	return group
}
