package main

import (
	"github.com/callcycle/callcycle/internal/officer"
	"github.com/spf13/cobra"
)

func governmentCmd(withEnv func(*cobra.Command) *cobra.Command, env *officer.Env) *cobra.Command {
	var since, on string
	c := &cobra.Command{Use: "government", Short: "the government's status: in office, or caretaker mode (new grants wait)"}
	caretaker := &cobra.Command{
		Use: "caretaker --since <date>", Short: "record caretaker mode (\"affaires courantes\"): calls at the approval step pause",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return env.GovernmentCaretaker(cmd.Context(), since) },
	}
	caretaker.Flags().StringVar(&since, "since", "", "date caretaker mode began, e.g. 2024-06-10")
	installed := &cobra.Command{
		Use: "installed --on <date>", Short: "record the installation of a government: waiting calls resume",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return env.GovernmentInstalled(cmd.Context(), on) },
	}
	installed.Flags().StringVar(&on, "on", "", "date the government was installed, e.g. 2025-02-13")
	status := &cobra.Command{
		Use: "status", Short: "show the status and the calls waiting on it", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := env.GovernmentStatus(cmd.Context())
			return err
		},
	}
	c.AddCommand(withEnv(caretaker), withEnv(installed), withEnv(status))
	return c
}

func decideCmd(withEnv func(*cobra.Command) *cobra.Command, env *officer.Env) *cobra.Command {
	var o officer.DecideOptions
	c := &cobra.Command{
		Use:   "decide <call-id> --decree <ref> (--all | --approve REF[=amount] ...)",
		Short: "enter the government's decision: all, part, or reduced amounts of the proposal",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			_, err := env.Decide(cmd.Context(), a[0], o)
			return err
		},
	}
	c.Flags().StringVar(&o.Decree, "decree", "", "reference of the government decree (required)")
	c.Flags().BoolVar(&o.All, "all", false, "approve the proposal as it stands")
	c.Flags().StringArrayVar(&o.Approve, "approve", nil, "approve one project: REF, or REF=\"80.000 €\" for a reduced amount (repeat)")
	c.Flags().BoolVar(&o.Override, "override", false, "allow projects that are not in the committee's proposal")
	return withEnv(c)
}

func carryOverCmd(withEnv func(*cobra.Command) *cobra.Command, env *officer.Env) *cobra.Command {
	var year int
	c := &cobra.Command{
		Use: "carry-over <call-id> --budget-year <year>", Short: "continue a lapsed call under a later budget year",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error { return env.CarryOver(cmd.Context(), a[0], year) },
	}
	c.Flags().IntVar(&year, "budget-year", 0, "the budget year that takes the call over")
	return withEnv(c)
}

func cancelCmd(withEnv func(*cobra.Command) *cobra.Command, env *officer.Env) *cobra.Command {
	var reason string
	c := &cobra.Command{
		Use: "cancel <call-id> --reason \"...\"", Short: "end a call without grants; every applicant is told the reason",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error { return env.Cancel(cmd.Context(), a[0], reason) },
	}
	c.Flags().StringVar(&reason, "reason", "", "why (sent to every applicant)")
	return withEnv(c)
}
