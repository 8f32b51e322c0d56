package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/callcycle/callcycle/internal/operations"
	"github.com/callcycle/callcycle/internal/words"
	"github.com/spf13/cobra"
)

func screenCmd(withEnv func(*cobra.Command) *cobra.Command, c *cli) *cobra.Command {
	var eligible, ineligible bool
	var reason string
	cmd := &cobra.Command{
		Use:   "screen <call-id> <reference> --eligible | --ineligible --reason \"...\"",
		Short: "record the eligibility verdict of an application (ineligible applicants are told the reason)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, a []string) error {
			if eligible == ineligible {
				return usageErr("give exactly one of --eligible or --ineligible")
			}
			r, err := c.svc.Screen(cmd.Context(), c.actor(), operations.ScreenInput{CallID: a[0], Reference: a[1], Eligible: eligible, Reason: reason})
			return show(c, cmd, r, err, func(w io.Writer, r operations.ScreenResult) {
				verdict := "eligible"
				if !r.Eligible {
					verdict = "ineligible (" + r.Reason + "); the applicant is notified"
				}
				fmt.Fprintf(w, "%s: %s; %s still to screen\n", r.Reference, verdict, words.Count(r.Pending, "application", "applications"))
			})
		},
	}
	cmd.Flags().BoolVar(&eligible, "eligible", false, "the application is eligible")
	cmd.Flags().BoolVar(&ineligible, "ineligible", false, "the application is not eligible (needs --reason)")
	cmd.Flags().StringVar(&reason, "reason", "", "why it is not eligible; sent to the applicant")
	cmd.AddCommand(
		withEnv(&cobra.Command{
			Use: "import <call-id> <verdicts.xlsx|verdicts.csv>", Short: "record verdicts in bulk (columns: reference, verdict, reason)",
			Args: cobra.ExactArgs(2),
			RunE: func(cmd *cobra.Command, a []string) error {
				data, err := readInput(a[1])
				if err != nil {
					return err
				}
				r, err := c.svc.ScreenImport(cmd.Context(), c.actor(), operations.ScreenImportInput{CallID: a[0], File: data, Name: a[1]})
				return show(c, cmd, r, err, printImport)
			},
		}),
		withEnv(&cobra.Command{
			Use: "end <call-id>", Short: "end screening now: applications without a verdict are declared eligible",
			Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, a []string) error {
				r, err := c.svc.EndScreening(cmd.Context(), c.actor(), operations.EndScreeningInput{CallID: a[0]})
				return show(c, cmd, r, err, func(w io.Writer, r operations.EndScreeningResult) {
					fmt.Fprintf(w, "%s: screening ended; %s without a verdict declared eligible\n", r.CallID, words.Count(r.Pending, "application", "applications"))
				})
			},
		}),
	)
	return withEnv(cmd)
}

// writeOutput writes a workbook an operation produced, only once it
// succeeded: a refusal leaves no empty file behind.
func writeOutput(path string, b *bytes.Buffer) error {
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return usageErr(err.Error())
	}
	return nil
}

func reviewCmd(withEnv func(*cobra.Command) *cobra.Command, c *cli) *cobra.Command {
	group := &cobra.Command{Use: "review", Short: "committee review: the scoring workbook out and back in, and the proposal"}
	var out, proposalOut string
	export := &cobra.Command{
		Use: "export <call-id> -o scoring.xlsx", Short: "write the scoring workbook (one sheet per reviewer)",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			var b bytes.Buffer
			r, err := c.svc.ReviewExport(cmd.Context(), c.actor(), operations.ReviewExportInput{CallID: a[0], Out: &b})
			if err == nil {
				err = writeOutput(out, &b)
			}
			return show(c, cmd, r, err, func(w io.Writer, r operations.ReviewExportResult) {
				fmt.Fprintf(w, "%s: scoring workbook for %d eligible applications and reviewers %s written to %s\n",
					r.CallID, r.Applications, strings.Join(r.Reviewers, ", "), out)
			})
		},
	}
	export.Flags().StringVarP(&out, "output", "o", "scoring.xlsx", "file to write")
	proposal := &cobra.Command{
		Use: "proposal <call-id> -o proposal.xlsx", Short: "write the selection proposal (\"Liste des projets financés\" layout)",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			var b bytes.Buffer
			r, err := c.svc.ReviewProposal(cmd.Context(), c.actor(), operations.ReviewProposalInput{CallID: a[0], Out: &b})
			if err == nil {
				err = writeOutput(proposalOut, &b)
			}
			return show(c, cmd, r, err, func(w io.Writer, r operations.ReviewProposalResult) {
				fmt.Fprintf(w, "%s: proposal of %s written to %s\n", r.CallID, words.Count(r.Projects, "project", "projects"), proposalOut)
			})
		},
	}
	proposal.Flags().StringVarP(&proposalOut, "output", "o", "proposal.xlsx", "file to write")
	group.AddCommand(withEnv(export), withEnv(&cobra.Command{
		Use: "import <call-id> <scoring.xlsx>", Short: "validate the filled workbook cell by cell, then rank and propose",
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, a []string) error {
			data, err := readInput(a[1])
			if err != nil {
				return err
			}
			r, err := c.svc.ReviewImport(cmd.Context(), c.actor(), operations.ReviewImportInput{CallID: a[0], Workbook: data, Name: a[1]})
			return show(c, cmd, r, err, func(w io.Writer, r operations.ReviewImportResult) {
				p := r.Proposal
				fmt.Fprintf(w, "%s: %s ranked; proposal: %s for %s (workbook %s)\n", r.CallID, words.Count(p.Ranked, "application", "applications"),
					words.Count(p.Selected, "project", "projects"), p.SelectedTotal.Text, p.Path)
				printEnvelopes(w, p)
			})
		},
	}), withEnv(proposal))
	return group
}
