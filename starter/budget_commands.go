package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/callcycle/callcycle/internal/operations"
	"github.com/spf13/cobra"
)

// Corrections of money outside calls: a wrong entry is reversed (a
// negative entry referring to it, recorded with who and when), never
// edited or deleted, then recorded again if need be.

func expenseReverseCmd(withEnv func(*cobra.Command) *cobra.Command, c *cli) *cobra.Command {
	var in operations.ReverseExpenseInput
	cmd := &cobra.Command{
		Use:   "reverse <invoice> --year Y --reason TEXT",
		Short: "reverse a recorded invoice (a negative entry refers to it; the invoice stays recorded)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			in.Invoice = a[0]
			r, err := c.svc.ReverseExpense(cmd.Context(), c.actor(), in)
			return show(c, cmd, r, err, func(w io.Writer, r operations.BudgetEntryResult) {
				fmt.Fprintf(w, "%d: invoice %s (%s, %s) reversed by %s; operating costs now %s\n",
					r.Year, strings.TrimSpace(in.Invoice), r.Zone, r.Amount.Text, c.by, r.Totals.Expenses.Text)
			})
		},
	}
	cmd.Flags().IntVar(&in.Year, "year", 0, "budget year")
	cmd.Flags().StringVar(&in.Reason, "reason", "", "why it is reversed (recorded)")
	return withEnv(cmd)
}

func directGrantReverseCmd(withEnv func(*cobra.Command) *cobra.Command, c *cli) *cobra.Command {
	var in operations.ReverseDirectGrantInput
	cmd := &cobra.Command{
		Use:   "reverse --year Y --operator ... --project ... --reason TEXT",
		Short: "reverse a grant outside a call or emergency aid (a negative entry refers to it; the grant stays recorded)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := c.svc.ReverseDirectGrant(cmd.Context(), c.actor(), in)
			return show(c, cmd, r, err, func(w io.Writer, r operations.BudgetEntryResult) {
				fmt.Fprintf(w, "%d: %s — %s (%s, %s) reversed by %s; outside calls now %s, emergency aid %s\n",
					r.Year, strings.TrimSpace(in.Operator), strings.TrimSpace(in.Project), r.Zone, r.Amount.Text, c.by, r.Totals.DirectGrants.Text, r.Totals.Emergency.Text)
			})
		},
	}
	cmd.Flags().IntVar(&in.Year, "year", 0, "budget year")
	cmd.Flags().StringVar(&in.Operator, "operator", "", "operator, as recorded")
	cmd.Flags().StringVar(&in.Project, "project", "", "project, as recorded")
	cmd.Flags().StringVar(&in.Reason, "reason", "", "why it is reversed (recorded)")
	return withEnv(cmd)
}

func historyReverseCmd(withEnv func(*cobra.Command) *cobra.Command, c *cli) *cobra.Command {
	var in operations.ReverseBudgetHistoryInput
	cmd := &cobra.Command{
		Use:   "reverse --year Y --reason TEXT",
		Short: "reverse a past year's committed total (a negative entry refers to it); then record the right one",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := c.svc.ReverseBudgetHistory(cmd.Context(), c.actor(), in)
			return show(c, cmd, r, err, func(w io.Writer, r operations.BudgetEntryResult) {
				fmt.Fprintf(w, "%d: committed total %s reversed by %s\n", r.Year, r.Amount.Text, c.by)
			})
		},
	}
	cmd.Flags().IntVar(&in.Year, "year", 0, "year")
	cmd.Flags().StringVar(&in.Reason, "reason", "", "why it is reversed (recorded)")
	return withEnv(cmd)
}

func zonesCmd(withEnv func(*cobra.Command) *cobra.Command, c *cli) *cobra.Command {
	return withEnv(&cobra.Command{
		Use:   "zones",
		Short: "list the zones money may be charged to (configured zones, then launched calls' regions)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := c.svc.Zones(cmd.Context(), c.actor(), operations.ZonesInput{})
			return show(c, cmd, r, err, func(w io.Writer, r operations.ZonesResult) {
				for _, z := range r.Zones {
					fmt.Fprintln(w, z)
				}
			})
		},
	})
}
