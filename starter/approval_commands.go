package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/internal/operations"
	"github.com/callcycle/callcycle/internal/words"
	"github.com/spf13/cobra"
)

func governmentCmd(withEnv func(*cobra.Command) *cobra.Command, c *cli) *cobra.Command {
	var since, on string
	group := &cobra.Command{Use: "government", Short: "the government's status: in office, or caretaker mode (new grants wait)"}
	caretaker := &cobra.Command{
		Use: "caretaker --since <date>", Short: "record caretaker mode (\"affaires courantes\"): calls at the approval step pause",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, err := day("--since", since)
			if err != nil {
				return err
			}
			r, err := c.svc.GovernmentCaretaker(cmd.Context(), c.actor(), operations.GovernmentCaretakerInput{Since: t})
			return show(c, cmd, r, err, printGovernmentChange("is paused", "are paused"))
		},
	}
	caretaker.Flags().StringVar(&since, "since", "", "date caretaker mode began, e.g. 2024-06-10")
	installed := &cobra.Command{
		Use: "installed --on <date>", Short: "record the installation of a government: waiting calls resume",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, err := day("--on", on)
			if err != nil {
				return err
			}
			r, err := c.svc.GovernmentInstalled(cmd.Context(), c.actor(), operations.GovernmentInstalledInput{On: t})
			return show(c, cmd, r, err, printGovernmentChange("resumes", "resume"))
		},
	}
	installed.Flags().StringVar(&on, "on", "", "date the government was installed, e.g. 2025-02-13")
	status := &cobra.Command{
		Use: "status", Short: "show the status and the calls waiting on it", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := c.svc.GovernmentStatus(cmd.Context(), c.actor(), operations.GovernmentStatusInput{})
			return show(c, cmd, r, err, func(w io.Writer, q operations.GovernmentStatusResult) {
				fmt.Fprintf(w, "government: %s\n", q.Description)
				if q.Status.ChangedBy != "" {
					fmt.Fprintf(w, "  last change: by %s at %s\n", q.Status.ChangedBy, fmtTimep(q.Status.ChangedAt))
				}
				waiting := "none"
				if len(q.Waiting) > 0 {
					waiting = strings.Join(q.Waiting, ", ")
				}
				fmt.Fprintf(w, "  calls waiting for a decision: %s\n", waiting)
			})
		},
	}
	group.AddCommand(withEnv(caretaker), withEnv(installed), withEnv(status))
	return group
}

// printGovernmentChange says how many calls waiting for the government a
// change reached: "no call was waiting", "1 waiting call is paused", "3
// waiting calls are paused".
func printGovernmentChange(one, many string) func(io.Writer, operations.GovernmentChangeResult) {
	return func(w io.Writer, r operations.GovernmentChangeResult) {
		waiting := "no call was waiting"
		if r.Notified > 0 {
			waiting = words.Count(r.Notified, "waiting call "+one, "waiting calls "+many)
		}
		fmt.Fprintf(w, "government: %s (recorded by %s); %s\n", r.Description, r.By, waiting)
	}
}

func decideCmd(withEnv func(*cobra.Command) *cobra.Command, c *cli) *cobra.Command {
	var in operations.DecideInput
	var approve []string
	cmd := &cobra.Command{
		Use:   "decide <call-id> --decree <ref> (--all | --approve REF[=amount] ...)",
		Short: "enter the government's decision: all, part, or reduced amounts of the proposal",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			in.CallID, in.Approve = a[0], nil
			if in.All == (len(approve) > 0) {
				return usageErr("give either --all (the proposal as it stands) or --approve REF[=amount] for each project")
			}
			for _, s := range approve {
				ref, amount, hasAmount := strings.Cut(s, "=")
				p := operations.ApproveAmount{Reference: strings.TrimSpace(ref)}
				if hasAmount {
					cents, err := money.Parse(amount)
					if err != nil {
						return usageErr(fmt.Sprintf("--approve %s: %v", s, err))
					}
					p.Amount = &cents
				}
				in.Approve = append(in.Approve, p)
			}
			r, err := c.svc.Decide(cmd.Context(), c.actor(), in)
			return show(c, cmd, r, err, func(w io.Writer, r operations.DecideResult) {
				if printPending(w, r.Pending) {
					return
				}
				fmt.Fprintf(w, "%s: decision %s recorded: %s, %s; decision mails go to every eligible applicant\n",
					r.CallID, r.Decree, words.Count(r.Granted, "grant", "grants"), r.Total.Text)
			})
		},
	}
	cmd.Flags().StringVar(&in.Decree, "decree", "", "reference of the government decree (required)")
	cmd.Flags().BoolVar(&in.All, "all", false, "approve the proposal as it stands")
	cmd.Flags().StringArrayVar(&approve, "approve", nil, "approve one project: REF, or REF=\"80.000 €\" for a reduced amount (repeat)")
	cmd.Flags().BoolVar(&in.Override, "override", false, "allow projects that are not in the committee's proposal")
	return withEnv(cmd)
}

func carryOverCmd(withEnv func(*cobra.Command) *cobra.Command, c *cli) *cobra.Command {
	var year int
	cmd := &cobra.Command{
		Use: "carry-over <call-id> --budget-year <year>", Short: "continue a lapsed call under a later budget year",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			r, err := c.svc.CarryOver(cmd.Context(), c.actor(), operations.CarryOverInput{CallID: a[0], BudgetYear: year})
			return show(c, cmd, r, err, func(w io.Writer, r operations.CarryOverResult) {
				if printPending(w, r.Pending) {
					return
				}
				fmt.Fprintf(w, "%s: carried over to the %d budget; it lapses again at %s without a decision\n", r.CallID, r.BudgetYear, fmtTime(r.LapseAt))
			})
		},
	}
	cmd.Flags().IntVar(&year, "budget-year", 0, "the budget year that takes the call over")
	return withEnv(cmd)
}

func cancelCmd(withEnv func(*cobra.Command) *cobra.Command, c *cli) *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use: "cancel <call-id> --reason \"...\"", Short: "end a call without grants; every applicant is told the reason",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			r, err := c.svc.Cancel(cmd.Context(), c.actor(), operations.CancelInput{CallID: a[0], Reason: reason})
			return show(c, cmd, r, err, func(w io.Writer, r operations.CancelResult) {
				if printPending(w, r.Pending) {
					return
				}
				fmt.Fprintf(w, "%s: cancelled (%s); every applicant is notified\n", r.CallID, r.Reason)
			})
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why (sent to every applicant)")
	return withEnv(cmd)
}

// printPending tells that a change waits for a second person, and how
// that person approves it; false when it was done at once.
func printPending(w io.Writer, p *operations.Approval) bool {
	if p == nil {
		return false
	}
	fmt.Fprintf(w, "%s: proposed (%s); it waits for a second approval by another %s:\n  starter approve %s %s\n  starter refuse %s %s --reason \"...\"\n",
		p.Target, p.Summary, p.Approver, p.Target, p.Action, p.Target, p.Action)
	return true
}

// approvalCmds approve or refuse what another person proposed (four-eyes).
func approvalCmds(withEnv func(*cobra.Command) *cobra.Command, c *cli) []*cobra.Command {
	actions := strings.Join(operations.ApprovableActions(), ", ")
	approve := &cobra.Command{
		Use:   "approve <call-or-grant-id> <action>",
		Short: "approve, as a second person, a change another proposed (" + actions + ")",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, a []string) error {
			r, err := c.svc.Approve(cmd.Context(), c.actor(), operations.ApprovalInput{Target: a[0], Action: a[1]})
			return show(c, cmd, r, err, printSettled)
		},
	}
	var reason string
	refuse := &cobra.Command{
		Use:   "refuse <call-or-grant-id> <action> --reason \"...\"",
		Short: "refuse a change another proposed; the refusal is kept in the file",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, a []string) error {
			r, err := c.svc.Refuse(cmd.Context(), c.actor(), operations.ApprovalInput{Target: a[0], Action: a[1], Reason: reason})
			return show(c, cmd, r, err, printSettled)
		},
	}
	refuse.Flags().StringVar(&reason, "reason", "", "why (kept with the refusal)")
	return []*cobra.Command{withEnv(approve), withEnv(refuse)}
}

func printSettled(w io.Writer, r operations.ApprovalResult) {
	a := r.Approval
	fmt.Fprintf(w, "%s: %s %s (proposed by %s)\n", a.Target, a.Summary, a.Outcome, a.ProposedBy)
}
