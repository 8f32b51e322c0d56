package main

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/internal/operations"
	"github.com/spf13/cobra"
)

func grantCmd(withEnv func(*cobra.Command) *cobra.Command, c *cli) *cobra.Command {
	group := &cobra.Command{Use: "grant", Short: "grant execution: signature, payments, final report, review (grant ids: GRANT-<reference>)"}
	var signOn, paidOn, revise, due, spent, lessons string
	var approve, received bool
	var beneficiaries int
	sign := &cobra.Command{
		Use: "sign <grant-id> --on <date>", Short: "record the signed agreement; the signature tranche is ordered",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			t, err := day("--on", signOn)
			if err != nil {
				return err
			}
			r, err := c.svc.GrantSign(cmd.Context(), c.actor(), operations.GrantSignInput{GrantID: a[0], On: t})
			return show(c, cmd, r, err, func(w io.Writer, r operations.GrantChangeResult) {
				if printPending(w, r.Pending) {
					return
				}
				g := r.Grant
				fmt.Fprintf(w, "%s: signed on %s; ordered %s; final report due %s\n", g.GrantID, fmtTimep(g.SignedOn), g.Ordered.Text, fmtTimep(g.Due))
			})
		},
	}
	sign.Flags().StringVar(&signOn, "on", "", "signature date")
	paid := &cobra.Command{
		Use: "paid <grant-id> <tranche> --on <date>", Short: "confirm finance executed tranche N (0: the recovery was received)",
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, a []string) error {
			n, err := strconv.Atoi(a[1])
			if err != nil {
				return usageErr("tranche: want a number such as 1, got " + strconv.Quote(a[1]))
			}
			t, err := day("--on", paidOn)
			if err != nil {
				return err
			}
			r, err := c.svc.GrantPaid(cmd.Context(), c.actor(), operations.GrantPaidInput{GrantID: a[0], Tranche: n, On: t})
			return show(c, cmd, r, err, func(w io.Writer, r operations.GrantChangeResult) {
				if printPending(w, r.Pending) {
					return
				}
				g := r.Grant
				fmt.Fprintf(w, "%s: tranche %d executed on %s; paid so far %s of %s (%s)\n", g.GrantID, n, fmtTime(startOfDay(t)), g.Paid.Text, g.Amount.Text, g.Stage)
			})
		},
	}
	paid.Flags().StringVar(&paidOn, "on", "", "execution date")
	end := &cobra.Command{
		Use: "end-date <grant-id> <date>", Short: "move the project's end date; the report timers follow",
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, a []string) error {
			t, err := callspec.ParseTime(a[1])
			if err != nil {
				return usageErr(fmt.Sprintf("end date: %v", err))
			}
			r, err := c.svc.GrantEndDate(cmd.Context(), c.actor(), operations.GrantEndDateInput{GrantID: a[0], End: t})
			return show(c, cmd, r, err, func(w io.Writer, r operations.GrantChangeResult) {
				if printPending(w, r.Pending) {
					return
				}
				g := r.Grant
				fmt.Fprintf(w, "%s: project ends %s; final report due %s\n", g.GrantID, fmtTimep(g.ProjectEnd), fmtTimep(g.Due))
			})
		},
	}
	report := &cobra.Command{
		Use: "report <grant-id> --received --beneficiaries N --spent AMOUNT --lessons TEXT", Short: "record the final report",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			if !received {
				return usageErr("--received is required: this records a report that arrived")
			}
			cents, err := money.Parse(spent)
			if err != nil {
				return usageErr(fmt.Sprintf("--spent: %v", err))
			}
			r, err := c.svc.GrantReport(cmd.Context(), c.actor(), operations.GrantReportInput{GrantID: a[0], Beneficiaries: beneficiaries, Spent: cents, Lessons: lessons})
			return show(c, cmd, r, err, func(w io.Writer, r operations.GrantChangeResult) {
				if printPending(w, r.Pending) {
					return
				}
				fmt.Fprintf(w, "%s: final report received (%d beneficiaries, %s spent); %s\n", r.Grant.GrantID, beneficiaries, cents, r.Grant.WaitingFor)
			})
		},
	}
	report.Flags().BoolVar(&received, "received", false, "the final report arrived")
	report.Flags().IntVar(&beneficiaries, "beneficiaries", -1, "people reached")
	report.Flags().StringVar(&spent, "spent", "", "amount spent, e.g. \"14.250,00 €\"")
	report.Flags().StringVar(&lessons, "lessons", "", "lessons learned")
	review := &cobra.Command{
		Use: "review <grant-id> (--approve | --revise \"...\" --due <date>)", Short: "approve the final report, or ask for a revision",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			if approve == (revise != "") {
				return usageErr("give either --approve or --revise \"what to change\" --due <date>")
			}
			in := operations.GrantReviewInput{GrantID: a[0], Approve: approve, Revise: revise}
			if !approve {
				t, err := day("--due", due)
				if err != nil {
					return err
				}
				in.Due = t
			}
			r, err := c.svc.GrantReview(cmd.Context(), c.actor(), in)
			return show(c, cmd, r, err, func(w io.Writer, r operations.GrantChangeResult) {
				if printPending(w, r.Pending) {
					return
				}
				what := "revision asked"
				if approve {
					what = "report approved"
				}
				fmt.Fprintf(w, "%s: %s; now waiting for %s\n", r.Grant.GrantID, what, r.Grant.WaitingFor)
			})
		},
	}
	review.Flags().BoolVar(&approve, "approve", false, "approve: the final tranche (or a recovery) is ordered")
	review.Flags().StringVar(&revise, "revise", "", "what must be revised (sent to the applicant)")
	review.Flags().StringVar(&due, "due", "", "new due date of the revised report")
	status := &cobra.Command{
		Use: "status <grant-id>", Short: "show a grant's stage, payments and what it waits for",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			r, err := c.svc.GrantStatus(cmd.Context(), c.actor(), operations.GrantStatusInput{GrantID: a[0]})
			return show(c, cmd, r, err, printGrant)
		},
	}
	for _, s := range []*cobra.Command{sign, paid, end, report, review, status} {
		group.AddCommand(withEnv(s))
	}
	group.AddCommand(directGrantCmd(withEnv, c))
	return group
}

func startOfDay(t time.Time) time.Time {
	b := t.In(callspec.Brussels)
	return time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, callspec.Brussels)
}

func printGrant(w io.Writer, s operations.GrantStatus) {
	fmt.Fprintf(w, "%s (%s, call %s)\n  stage:        %s\n  waiting for:  %s\n  granted:      %s (ordered %s, paid %s)\n",
		s.GrantID, s.Reference, s.CallID, s.Stage, s.WaitingFor, s.Amount.Text, s.Ordered.Text, s.Paid.Text)
	for _, t := range s.Tranches {
		paid := "not paid"
		if t.PaidOn != nil {
			paid = "paid " + fmtTimep(t.PaidOn)
		}
		fmt.Fprintf(w, "  tranche %d:    %d %% on %s: %s ordered of %s, %s\n", t.Number, t.Percent, t.On, t.Ordered.Text, t.Amount.Text, paid)
	}
	if s.Recovery.Cents > 0 {
		fmt.Fprintf(w, "  recovery:     %s\n", s.Recovery.Text)
	}
}

func paymentsCmd(withEnv func(*cobra.Command) *cobra.Command, c *cli) *cobra.Command {
	var out string
	group := &cobra.Command{Use: "payments", Short: "payment orders for finance"}
	export := &cobra.Command{
		Use: "export <call-id> -o payment-orders.xlsx", Short: "write the call's payment orders (with bank accounts) for finance",
		Long: "Writes the call's payment-order workbook for finance, built from the ledger at the moment it is asked for:\n" +
			"every order and confirmation so far, with the bank accounts. No copy is kept in OUTPUT_DIR.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			var b bytes.Buffer
			r, err := c.svc.PaymentsExport(cmd.Context(), c.actor(), operations.PaymentsExportInput{CallID: a[0], Out: &b})
			if err == nil {
				err = writeOutput(out, &b)
			}
			return show(c, cmd, r, err, func(w io.Writer, r operations.PaymentsExportResult) {
				fmt.Fprintf(w, "%s: %d payment orders written to %s\n", r.CallID, r.Orders, out)
			})
		},
	}
	export.Flags().StringVarP(&out, "output", "o", "payment-orders.xlsx", "file to write")
	group.AddCommand(withEnv(export))
	return group
}
