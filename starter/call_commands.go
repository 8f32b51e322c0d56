package main

import (
	"fmt"
	"io"

	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/operations"
	"github.com/callcycle/callcycle/internal/words"
	"github.com/spf13/cobra"
)

// callCommands: the submission window (launch, apply, import, close, extend).
func callCommands(withEnv func(*cobra.Command) *cobra.Command, c *cli) []*cobra.Command {
	var reason string
	closeCmd := &cobra.Command{
		Use: "close <call-id>", Short: "close the submission window now, before the deadline",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			r, err := c.svc.Close(cmd.Context(), c.actor(), operations.CloseInput{CallID: a[0], Reason: reason})
			return show(c, cmd, r, err, printClose)
		},
	}
	closeCmd.Flags().StringVar(&reason, "reason", "", "why the window closes early (recorded)")
	return []*cobra.Command{
		withEnv(&cobra.Command{
			Use: "launch <call.yaml>", Short: "validate a call config, start its workflow and mail the launch announcement",
			Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, a []string) error {
				data, err := readInput(a[0])
				if err != nil {
					return err
				}
				r, err := c.svc.Launch(cmd.Context(), c.actor(), operations.LaunchInput{Call: data, Source: a[0]})
				return show(c, cmd, r, err, printLaunch)
			},
		}),
		withEnv(&cobra.Command{
			Use: "apply <call-id> <application.yaml>", Short: "submit one application",
			Args: cobra.ExactArgs(2),
			RunE: func(cmd *cobra.Command, a []string) error {
				data, err := readInput(a[1])
				if err != nil {
					return err
				}
				r, err := c.svc.Apply(cmd.Context(), c.actor(), operations.ApplyInput{CallID: a[0], Application: data, Source: a[1]})
				return show(c, cmd, r, err, printApply)
			},
		}),
		withEnv(&cobra.Command{
			Use: "import <call-id> <file.xlsx|file.csv>", Short: "submit many applications; prints each rejected row with its reason",
			Args: cobra.ExactArgs(2),
			RunE: func(cmd *cobra.Command, a []string) error {
				data, err := readInput(a[1])
				if err != nil {
					return err
				}
				r, err := c.svc.Import(cmd.Context(), c.actor(), operations.ImportInput{CallID: a[0], File: data, Name: a[1]})
				return show(c, cmd, r, err, printImport)
			},
		}),
		withEnv(closeCmd),
		withEnv(&cobra.Command{
			Use: "extend <call-id> <new-deadline>", Short: "move the submission deadline (e.g. \"2024-04-15 23:59\", Brussels time)",
			Args: cobra.ExactArgs(2),
			RunE: func(cmd *cobra.Command, a []string) error {
				t, err := callspec.ParseTime(a[1])
				if err != nil {
					return usageErr(fmt.Sprintf("new deadline: %v", err))
				}
				r, err := c.svc.Extend(cmd.Context(), c.actor(), operations.ExtendInput{CallID: a[0], Deadline: t})
				return show(c, cmd, r, err, func(w io.Writer, r operations.ExtendResult) {
					fmt.Fprintf(w, "%s: deadline moved from %s to %s\n", r.CallID, fmtTime(r.Previous), fmtTime(r.Deadline))
				})
			},
		}),
	}
}

func printLaunch(w io.Writer, r operations.LaunchResult) {
	fmt.Fprintf(w, "launched %s (%s): workflow %s, deadline %s, launch announcement to %s\n",
		r.CallID, r.Title, r.WorkflowID, fmtTime(r.Deadline), words.Count(r.AnnounceTo, "address", "addresses"))
	fmt.Fprintf(w, "envelope %s\n", r.EnvelopeText)
}

func printApply(w io.Writer, r operations.ApplyResult) {
	fmt.Fprintf(w, "accepted %s: %s — %s; receipt mailed to the applicant\n", r.Reference, r.Association, r.Title)
}

func printImport(w io.Writer, r operations.ImportResult) {
	fmt.Fprintf(w, "%s: %d accepted, %d rejected\n", r.Name, len(r.Accepted), len(r.Rejected))
	for _, a := range r.Accepted {
		fmt.Fprintf(w, "  row %d: accepted %s\n", a.Row, a.Reference)
	}
	for _, x := range r.Rejected {
		fmt.Fprintf(w, "  row %d: REJECTED: %s\n", x.Row, x.Reason)
	}
}

func printClose(w io.Writer, r operations.CloseResult) {
	fmt.Fprintf(w, "%s: submissions closed at %s with %s\n", r.CallID, fmtTime(r.ClosedAt), words.Count(r.Submitted, "application", "applications"))
}

func statusCmd(withEnv func(*cobra.Command) *cobra.Command, c *cli) *cobra.Command {
	return withEnv(&cobra.Command{
		Use: "status <call-id>", Short: "show the call's stage, counts and what it waits for",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			r, err := c.svc.Status(cmd.Context(), c.actor(), operations.StatusInput{CallID: a[0]})
			return show(c, cmd, r, err, printStatus)
		},
	})
}

func printStatus(w io.Writer, s operations.CallStatus) {
	fmt.Fprintf(w, "%s — %s (%s %d)\n", s.CallID, s.Title, s.Kind, s.Year)
	fmt.Fprintf(w, "  stage:        %s\n  waiting for:  %s\n  applications: %d\n  deadline:     %s\n  envelope:     %s\n  launched:     %s\n",
		s.Stage, s.WaitingFor, s.Submitted, fmtTime(s.Deadline), s.Envelope, fmtTime(s.LaunchedAt))
	if s.ClosedAt != nil {
		fmt.Fprintf(w, "  closed:       %s (%s)\n", fmtTimep(s.ClosedAt), s.CloseReason)
		sc := s.Screening
		fmt.Fprintf(w, "  screening:    %d eligible, %d ineligible, %d to screen\n", sc.Eligible, sc.Ineligible, sc.Pending)
	}
	if s.ScoringPath != "" {
		fmt.Fprintf(w, "  scoring:      %s\n", s.ScoringPath)
	}
	if p := s.Proposal; p != nil {
		fmt.Fprintf(w, "  proposal:     %d of %d ranked projects, %s (scores imported by %s)\n", p.Selected, p.Ranked, p.SelectedTotal.Text, p.ImportedBy)
		printEnvelopes(w, *p)
	}
	if s.Government != "" {
		fmt.Fprintf(w, "  government:   %s\n", s.Government)
	}
	if s.BudgetYear != 0 {
		fmt.Fprintf(w, "  budget year:  %d (lapses %s without a decision)\n", s.BudgetYear, fmtTimep(s.LapseAt))
	}
	if d := s.Decision; d != nil {
		fmt.Fprintf(w, "  decision:     decree %s, %s, %s (entered by %s on %s)\n", d.Decree, words.Count(len(d.Grants), "grant", "grants"), d.Total.Text, d.By, fmtTime(d.At))
	}
	if s.EndReason != "" {
		fmt.Fprintf(w, "  ended:        %s\n", s.EndReason)
	}
	fmt.Fprintf(w, "  workflow:     %s (run %d)\n", s.WorkflowID, s.Runs)
}

func printEnvelopes(w io.Writer, p operations.Proposal) {
	for _, env := range p.Envelopes {
		name := "general envelope"
		if env.Region != "" {
			name = "reserved for " + env.Region
		}
		fmt.Fprintf(w, "  %-50s %s of %s (left %s)\n", name, env.Used.Text, env.Amount.Text, env.Left.Text)
	}
}
