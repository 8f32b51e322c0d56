package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/callcycle/callcycle/internal/app"
	"github.com/callcycle/callcycle/internal/config"
	"github.com/callcycle/callcycle/internal/mailer"
	"github.com/callcycle/callcycle/internal/officer"
	"github.com/spf13/cobra"
)

func year(s string) (int, error) {
	y, err := strconv.Atoi(s)
	if err != nil {
		return 0, usageErr("year: want a year such as 2024, got " + strconv.Quote(s))
	}
	return y, nil
}

func annualReportCmd(withEnv func(*cobra.Command) *cobra.Command, env *officer.Env) *cobra.Command {
	var out string
	c := &cobra.Command{
		Use: "annual-report <year> [-o file.xlsx]", Short: "write the annual report workbook of a year (also run each year by a schedule)",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			y, err := year(a[0])
			if err != nil {
				return err
			}
			_, err = env.AnnualReport(cmd.Context(), y, out)
			return err
		},
	}
	c.Flags().StringVarP(&out, "output", "o", "", "copy the workbook here (default: left in OUTPUT_DIR)")
	return withEnv(c)
}

// demoCmd runs the replay in a world of its own (officer.DemoWorld): it
// connects itself rather than through withEnv, since it needs the
// configuration (server addresses, mail relay) and not the stack's
// namespace and database.
func demoCmd(lookup config.Lookup, by *string) *cobra.Command {
	var out, dir, namespace, database string
	c := &cobra.Command{
		Use: "demo 2024 [-o file.xlsx]", Short: "replay the 2024 report through the real workflows, in a namespace and database of its own, and write its annual report",
		Long: `Replays the 2024 activity report through the real workflows and writes its
annual report. It runs in a Temporal namespace and a PostgreSQL database of
its own (--namespace, --database), on the stack's servers, with a worker of
its own inside this process: each run first terminates what an earlier run
left in that namespace and makes the database anew, so it can be run again
at will, on a stack in any state; the stack's own namespace, government,
calls and database are not touched. When it stops, nothing of it runs any
more. Its mails go to the stack's mail relay (SMTP_*).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			if a[0] != "2024" {
				return usageErr("only the 2024 replay exists (examples/2024)")
			}
			cfg, err := config.Load(lookup)
			if err != nil {
				return fmt.Errorf("configuration:\n%w", err)
			}
			env := officer.Env{Out: cmd.OutOrStdout(), Progress: os.Stderr, By: *by}
			_, err = env.RunDemo2024(cmd.Context(), officer.DemoWorld{
				Temporal: cfg.Temporal, DatabaseURL: cfg.DatabaseURL, OutputDir: cfg.OutputDir,
				SMTP: mailer.Config{Host: cfg.SMTP.Host, Port: cfg.SMTP.Port, User: cfg.SMTP.User, Password: cfg.SMTP.Password,
					TLS: cfg.SMTP.TLS, From: cfg.SMTP.From},
				Namespace: namespace, Database: database, Log: app.Logger("error"),
			}, dir, out)
			return err
		},
	}
	c.Flags().StringVarP(&out, "output", "o", "annual-report-2024.xlsx", "annual report workbook to write")
	c.Flags().StringVar(&dir, "data", "examples/2024", "folder with the 2024 data")
	c.Flags().StringVar(&namespace, "namespace", "callcycle-demo", "the demo's own Temporal namespace (created if missing; what runs in it is terminated at start)")
	c.Flags().StringVar(&database, "database", "callcycle_demo", "the demo's own PostgreSQL database, beside DATABASE_URL's (made anew at every run)")
	return c
}

func directGrantCmd(withEnv func(*cobra.Command) *cobra.Command, env *officer.Env) *cobra.Command {
	var o officer.DirectGrantOptions
	c := &cobra.Command{
		Use:   "direct --year Y --operator ... --project ... --zone ... --amount ... --decided DATE [--support hors-appel|urgence] [--programme sud|cms]",
		Short: "record a grant decided outside a call (or emergency aid), for the annual report",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return env.DirectGrant(cmd.Context(), o) },
	}
	f := c.Flags()
	f.IntVar(&o.Year, "year", 0, "budget year")
	f.StringVar(&o.Support, "support", "hors-appel", "hors-appel or urgence (emergency aid)")
	f.StringVar(&o.Programme, "programme", "sud", "sud (partner regions) or cms (global citizenship in Brussels)")
	f.StringVar(&o.Operator, "operator", "", "association or operator")
	f.StringVar(&o.Project, "project", "", "project")
	f.StringVar(&o.Zone, "zone", "", "zone, e.g. \"Maroc (hors RRSK)\" (see: starter budget zones; case and accents do not matter)")
	f.StringVar(&o.Amount, "amount", "", "amount, e.g. \"6.200 €\"")
	f.StringVar(&o.DecidedOn, "decided", "", "decision date")
	c.AddCommand(directGrantReverseCmd(withEnv, env))
	return withEnv(c)
}

func expenseCmd(withEnv func(*cobra.Command) *cobra.Command, env *officer.Env) *cobra.Command {
	var o officer.ExpenseOptions
	c := &cobra.Command{
		Use:   "expense --year Y --invoice N --supplier ... --description ... --zone ... --amount ... --date DATE",
		Short: "record an operating-cost invoice charged to a zone, for the annual report",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return env.Expense(cmd.Context(), o) },
	}
	f := c.Flags()
	f.IntVar(&o.Year, "year", 0, "budget year")
	f.StringVar(&o.Invoice, "invoice", "", "invoice number (unique in the year)")
	f.StringVar(&o.Supplier, "supplier", "", "supplier")
	f.StringVar(&o.Description, "description", "", "what it paid for")
	f.StringVar(&o.Zone, "zone", "", "zone it is charged to (see: starter budget zones; case and accents do not matter)")
	f.StringVar(&o.Amount, "amount", "", "amount, e.g. \"1.238 €\"")
	f.StringVar(&o.Date, "date", "", "invoice date")
	c.AddCommand(expenseReverseCmd(withEnv, env))
	return withEnv(c)
}

func budgetCmd(withEnv func(*cobra.Command) *cobra.Command, env *officer.Env) *cobra.Command {
	var committed, source string
	var y int
	c := &cobra.Command{Use: "budget", Short: "budgets of years before callcycle; the kept zones"}
	h := &cobra.Command{
		Use: "history --year Y --committed AMOUNT --source TEXT", Short: "record a past year's committed total (for the year-by-year chart)",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return env.BudgetHistory(cmd.Context(), y, committed, source)
		},
	}
	h.Flags().IntVar(&y, "year", 0, "year")
	h.Flags().StringVar(&committed, "committed", "", "committed total, e.g. \"1.385.783 €\"")
	h.Flags().StringVar(&source, "source", "", "where the figure comes from")
	h.AddCommand(historyReverseCmd(withEnv, env))
	c.AddCommand(withEnv(h), zonesCmd(withEnv, env))
	return c
}
