package main

import (
	"github.com/callcycle/callcycle/internal/officer"
	"github.com/spf13/cobra"
)

// Corrections of money outside calls: a wrong entry is reversed (a
// negative entry referring to it, recorded with who and when), never
// edited or deleted, then recorded again if need be.

func expenseReverseCmd(withEnv func(*cobra.Command) *cobra.Command, env *officer.Env) *cobra.Command {
	var y int
	var reason string
	c := &cobra.Command{
		Use:   "reverse <invoice> --year Y --reason TEXT",
		Short: "reverse a recorded invoice (a negative entry refers to it; the invoice stays recorded)",
		Args:  cobra.ExactArgs(1),
		RunE:  func(cmd *cobra.Command, a []string) error { return env.ReverseExpense(cmd.Context(), y, a[0], reason) },
	}
	c.Flags().IntVar(&y, "year", 0, "budget year")
	c.Flags().StringVar(&reason, "reason", "", "why it is reversed (recorded)")
	return withEnv(c)
}

func directGrantReverseCmd(withEnv func(*cobra.Command) *cobra.Command, env *officer.Env) *cobra.Command {
	var y int
	var operator, project, reason string
	c := &cobra.Command{
		Use:   "reverse --year Y --operator ... --project ... --reason TEXT",
		Short: "reverse a grant outside a call or emergency aid (a negative entry refers to it; the grant stays recorded)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return env.ReverseDirectGrant(cmd.Context(), y, operator, project, reason)
		},
	}
	c.Flags().IntVar(&y, "year", 0, "budget year")
	c.Flags().StringVar(&operator, "operator", "", "operator, as recorded")
	c.Flags().StringVar(&project, "project", "", "project, as recorded")
	c.Flags().StringVar(&reason, "reason", "", "why it is reversed (recorded)")
	return withEnv(c)
}

func historyReverseCmd(withEnv func(*cobra.Command) *cobra.Command, env *officer.Env) *cobra.Command {
	var y int
	var reason string
	c := &cobra.Command{
		Use:   "reverse --year Y --reason TEXT",
		Short: "reverse a past year's committed total (a negative entry refers to it); then record the right one",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return env.ReverseBudgetHistory(cmd.Context(), y, reason) },
	}
	c.Flags().IntVar(&y, "year", 0, "year")
	c.Flags().StringVar(&reason, "reason", "", "why it is reversed (recorded)")
	return withEnv(c)
}

func zonesCmd(withEnv func(*cobra.Command) *cobra.Command, env *officer.Env) *cobra.Command {
	return withEnv(&cobra.Command{
		Use:   "zones",
		Short: "list the zones money may be charged to (configured zones, then launched calls' regions)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := env.Zones(cmd.Context())
			return err
		},
	})
}
