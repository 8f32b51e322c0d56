package main

import (
	"github.com/callcycle/callcycle/internal/officer"
	"github.com/spf13/cobra"
)

func screenCmd(withEnv func(*cobra.Command) *cobra.Command, env *officer.Env) *cobra.Command {
	var eligible, ineligible bool
	var reason string
	c := &cobra.Command{
		Use:   "screen <call-id> <reference> --eligible | --ineligible --reason \"...\"",
		Short: "record the eligibility verdict of an application (ineligible applicants are told the reason)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, a []string) error {
			if eligible == ineligible {
				return usageErr("give exactly one of --eligible or --ineligible")
			}
			return env.Screen(cmd.Context(), a[0], a[1], eligible, reason)
		},
	}
	c.Flags().BoolVar(&eligible, "eligible", false, "the application is eligible")
	c.Flags().BoolVar(&ineligible, "ineligible", false, "the application is not eligible (needs --reason)")
	c.Flags().StringVar(&reason, "reason", "", "why it is not eligible; sent to the applicant")
	c.AddCommand(
		withEnv(&cobra.Command{
			Use: "import <call-id> <verdicts.xlsx|verdicts.csv>", Short: "record verdicts in bulk (columns: reference, verdict, reason)",
			Args: cobra.ExactArgs(2),
			RunE: func(cmd *cobra.Command, a []string) error {
				_, err := env.ScreenImport(cmd.Context(), a[0], a[1])
				return err
			},
		}),
		withEnv(&cobra.Command{
			Use: "end <call-id>", Short: "end screening now: applications without a verdict are declared eligible",
			Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, a []string) error { return env.EndScreening(cmd.Context(), a[0]) },
		}),
	)
	return withEnv(c)
}

func reviewCmd(withEnv func(*cobra.Command) *cobra.Command, env *officer.Env) *cobra.Command {
	c := &cobra.Command{Use: "review", Short: "committee review: the scoring workbook out and back in, and the proposal"}
	var out, proposalOut string
	export := &cobra.Command{
		Use: "export <call-id> -o scoring.xlsx", Short: "write the scoring workbook (one sheet per reviewer)",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error { return env.ReviewExport(cmd.Context(), a[0], out) },
	}
	export.Flags().StringVarP(&out, "output", "o", "scoring.xlsx", "file to write")
	proposal := &cobra.Command{
		Use: "proposal <call-id> -o proposal.xlsx", Short: "write the selection proposal (\"Liste des projets financés\" layout)",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			return env.ReviewProposal(cmd.Context(), a[0], proposalOut)
		},
	}
	proposal.Flags().StringVarP(&proposalOut, "output", "o", "proposal.xlsx", "file to write")
	c.AddCommand(withEnv(export), withEnv(&cobra.Command{
		Use: "import <call-id> <scoring.xlsx>", Short: "validate the filled workbook cell by cell, then rank and propose",
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, a []string) error {
			_, err := env.ReviewImport(cmd.Context(), a[0], a[1])
			return err
		},
	}), withEnv(proposal))
	return c
}
