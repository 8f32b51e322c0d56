package main

import (
	"strconv"

	"github.com/callcycle/callcycle/internal/officer"
	"github.com/spf13/cobra"
)

func grantCmd(withEnv func(*cobra.Command) *cobra.Command, env *officer.Env) *cobra.Command {
	c := &cobra.Command{Use: "grant", Short: "grant execution: signature, payments, final report, review (grant ids: GRANT-<reference>)"}
	var signOn, paidOn, revise, due string
	var approve bool
	var rep officer.GrantReportOptions
	var received bool
	sign := &cobra.Command{
		Use: "sign <grant-id> --on <date>", Short: "record the signed agreement; the signature tranche is ordered",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error { return env.GrantSign(cmd.Context(), a[0], signOn) },
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
			return env.GrantPaid(cmd.Context(), a[0], n, paidOn)
		},
	}
	paid.Flags().StringVar(&paidOn, "on", "", "execution date")
	end := &cobra.Command{
		Use: "end-date <grant-id> <date>", Short: "move the project's end date; the report timers follow",
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, a []string) error { return env.GrantEndDate(cmd.Context(), a[0], a[1]) },
	}
	report := &cobra.Command{
		Use: "report <grant-id> --received --beneficiaries N --spent AMOUNT --lessons TEXT", Short: "record the final report",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			if !received {
				return usageErr("--received is required: this records a report that arrived")
			}
			return env.GrantReport(cmd.Context(), a[0], rep)
		},
	}
	report.Flags().BoolVar(&received, "received", false, "the final report arrived")
	report.Flags().IntVar(&rep.Beneficiaries, "beneficiaries", -1, "people reached")
	report.Flags().StringVar(&rep.Spent, "spent", "", "amount spent, e.g. \"14.250,00 €\"")
	report.Flags().StringVar(&rep.Lessons, "lessons", "", "lessons learned")
	review := &cobra.Command{
		Use: "review <grant-id> (--approve | --revise \"...\" --due <date>)", Short: "approve the final report, or ask for a revision",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			return env.GrantReview(cmd.Context(), a[0], approve, revise, due)
		},
	}
	review.Flags().BoolVar(&approve, "approve", false, "approve: the final tranche (or a recovery) is ordered")
	review.Flags().StringVar(&revise, "revise", "", "what must be revised (sent to the applicant)")
	review.Flags().StringVar(&due, "due", "", "new due date of the revised report")
	status := &cobra.Command{
		Use: "status <grant-id>", Short: "show a grant's stage, payments and what it waits for",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			_, err := env.GrantStatus(cmd.Context(), a[0])
			return err
		},
	}
	for _, s := range []*cobra.Command{sign, paid, end, report, review, status} {
		c.AddCommand(withEnv(s))
	}
	c.AddCommand(directGrantCmd(withEnv, env))
	return c
}

func paymentsCmd(withEnv func(*cobra.Command) *cobra.Command, env *officer.Env) *cobra.Command {
	var out string
	c := &cobra.Command{Use: "payments", Short: "payment orders for finance"}
	export := &cobra.Command{
		Use: "export <call-id> -o payment-orders.xlsx", Short: "write the call's payment orders (with bank accounts) for finance",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error { return env.PaymentsExport(cmd.Context(), a[0], out) },
	}
	export.Flags().StringVarP(&out, "output", "o", "payment-orders.xlsx", "file to write")
	c.AddCommand(withEnv(export))
	return c
}
