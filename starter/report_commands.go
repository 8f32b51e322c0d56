package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/callcycle/callcycle/internal/app"
	"github.com/callcycle/callcycle/internal/config"
	"github.com/callcycle/callcycle/internal/demo"
	"github.com/callcycle/callcycle/internal/mailer"
	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/internal/operations"
	"github.com/callcycle/callcycle/internal/xlsx"
	"github.com/spf13/cobra"
)

func year(s string) (int, error) {
	y, err := strconv.Atoi(s)
	if err != nil {
		return 0, usageErr("year: want a year such as 2024, got " + strconv.Quote(s))
	}
	return y, nil
}

func annualReportCmd(withEnv func(*cobra.Command) *cobra.Command, c *cli) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use: "annual-report <year> [-o file.xlsx]", Short: "write the annual report workbook of a year (also run each year by a schedule)",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			y, err := year(a[0])
			if err != nil {
				return err
			}
			r, err := c.svc.AnnualReport(cmd.Context(), c.actor(), operations.AnnualReportInput{Year: y})
			if err == nil && out != "" {
				err = copyFile(r.Path, out)
			}
			return show(c, cmd, r, err, func(w io.Writer, r operations.AnnualReportResult) {
				path := r.Path
				if out != "" {
					path = out
				}
				fmt.Fprintf(w, "annual report %d: %s committed, written to %s\n", r.Year, r.Total.Text, path)
				for _, l := range r.ByKind {
					fmt.Fprintf(w, "  %-28s %14s %4d %%\n", l.Label, l.Amount.Text, l.Percent)
				}
				for _, l := range r.ByZone {
					fmt.Fprintf(w, "  %-40s %14s %4d %%\n", l.Label, l.Amount.Text, l.Percent)
				}
			})
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "copy the workbook here (default: left in OUTPUT_DIR)")
	return withEnv(cmd)
}

// demoCmd runs the replay in a world of its own (demo.World): it
// connects itself rather than through withEnv, since it needs the
// configuration (server addresses, mail relay) and not the stack's
// namespace and database.
func demoCmd(lookup config.Lookup, cl *cli) *cobra.Command {
	var out, dir, namespace, database, from string
	var list bool
	c := &cobra.Command{
		Use: "demo 2024 [-o file.xlsx] [--from step] [--list]", Short: "replay the 2024 report through the real workflows, in a namespace and database of its own, and write its annual report",
		Long: `Replays the 2024 activity report through the real workflows and writes its
annual report. It runs in a Temporal namespace and a PostgreSQL database of
its own (--namespace, --database), on the stack's servers, with a worker of
its own inside this process: each run first deletes what an earlier run
left in that namespace and makes the database anew, so it can be run again
at will, on a stack in any state; the stack's own namespace, government,
calls and database are not touched. When it stops, nothing of it runs any
more. Its mails go to the stack's mail relay (SMTP_*).

The replay is a list of named steps (--list). A replay that stopped
(an error, Ctrl-C, kill -9) is resumed with --from <step>: the world is
then kept as the stopped run left it, and each step first reads what is
already done.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			if a[0] != "2024" {
				return usageErr("only the 2024 replay exists (examples/2024)")
			}
			if list {
				for i, s := range demo.Steps() {
					fmt.Fprintf(cmd.OutOrStdout(), "%2d  %-18s %s\n", i+1, s.Name, s.Title)
				}
				return nil
			}
			if _, err := demo.StepsFrom(from); err != nil {
				return err
			}
			cfg, err := config.Load(lookup)
			if err != nil {
				return fmt.Errorf("configuration:\n%w", err)
			}
			// With --json the replay's steps go to stderr and the report's
			// totals, as `annual-report --json` prints them, to stdout.
			steps := cmd.OutOrStdout()
			if cl.asJSON {
				steps = os.Stderr
			}
			res, err := demo.World{
				Temporal: cfg.Temporal, DatabaseURL: cfg.DatabaseURL, OutputDir: cfg.OutputDir,
				SMTP: mailer.Config{Host: cfg.SMTP.Host, Port: cfg.SMTP.Port, User: cfg.SMTP.User, Password: cfg.SMTP.Password,
					TLS: cfg.SMTP.TLS, From: cfg.SMTP.From},
				Namespace: namespace, Database: database, Data: dir, Log: app.Logger("error"),
				Out: steps, People: demo.Office,
			}.Run(cmd.Context(), from, out)
			if err != nil || !cl.asJSON {
				return err
			}
			return writeJSON(cmd.OutOrStdout(), operations.AnnualReportOf(2024, res))
		},
	}
	c.Flags().StringVarP(&out, "output", "o", "annual-report-2024.xlsx", "annual report workbook to write")
	c.Flags().StringVar(&dir, "data", "examples/2024", "folder with the 2024 data")
	c.Flags().StringVar(&namespace, "namespace", "callcycle-demo", "the demo's own Temporal namespace (created if missing; emptied at a run from the start)")
	c.Flags().StringVar(&database, "database", "callcycle_demo", "the demo's own PostgreSQL database, beside DATABASE_URL's (made anew at a run from the start)")
	c.Flags().StringVar(&from, "from", "", "resume a stopped replay from this step (see --list), keeping its namespace and database")
	c.Flags().BoolVar(&list, "list", false, "print the replay's steps and exit")
	return c
}

// amount parses an amount flag.
func amount(flag, s string) (money.Cents, error) {
	a, err := money.Parse(s)
	if err != nil {
		return 0, usageErr(fmt.Sprintf("%s: %v", flag, err))
	}
	return a, nil
}

func directGrantCmd(withEnv func(*cobra.Command) *cobra.Command, c *cli) *cobra.Command {
	var in operations.DirectGrantInput
	var amountText, decided string
	cmd := &cobra.Command{
		Use:   "direct --year Y --operator ... --project ... --zone ... --amount ... --decided DATE [--support hors-appel|urgence] [--programme sud|cms]",
		Short: "record a grant decided outside a call (or emergency aid), for the annual report",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if in.Amount, err = amount("--amount", amountText); err != nil {
				return err
			}
			if in.DecidedOn, err = day("--decided", decided); err != nil {
				return err
			}
			r, err := c.svc.DirectGrant(cmd.Context(), c.actor(), in)
			return show(c, cmd, r, err, func(w io.Writer, r operations.BudgetEntryResult) {
				fmt.Fprintf(w, "%d: %s — %s, %s recorded (%s, %s); outside calls now %s, emergency aid %s\n",
					r.Year, in.Operator, in.Project, r.Amount.Text, in.Support, r.Zone, r.Totals.DirectGrants.Text, r.Totals.Emergency.Text)
			})
		},
	}
	f := cmd.Flags()
	f.IntVar(&in.Year, "year", 0, "budget year")
	f.StringVar(&in.Support, "support", "hors-appel", "hors-appel or urgence (emergency aid)")
	f.StringVar(&in.Programme, "programme", "sud", "sud (partner regions) or cms (global citizenship in Brussels)")
	f.StringVar(&in.Operator, "operator", "", "association or operator")
	f.StringVar(&in.Project, "project", "", "project")
	f.StringVar(&in.Zone, "zone", "", "zone, e.g. \"Maroc (hors RRSK)\" (see: starter budget zones; case and accents do not matter)")
	f.StringVar(&amountText, "amount", "", "amount, e.g. \"6.200 €\"")
	f.StringVar(&decided, "decided", "", "decision date")
	cmd.AddCommand(directGrantReverseCmd(withEnv, c))
	return withEnv(cmd)
}

func expenseCmd(withEnv func(*cobra.Command) *cobra.Command, c *cli) *cobra.Command {
	var in operations.ExpenseInput
	var amountText, date string
	cmd := &cobra.Command{
		Use:   "expense --year Y --invoice N --supplier ... --description ... --zone ... --amount ... --date DATE",
		Short: "record an operating-cost invoice charged to a zone, for the annual report",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if in.Amount, err = amount("--amount", amountText); err != nil {
				return err
			}
			if in.InvoicedOn, err = day("--date", date); err != nil {
				return err
			}
			r, err := c.svc.Expense(cmd.Context(), c.actor(), in)
			return show(c, cmd, r, err, func(w io.Writer, r operations.BudgetEntryResult) {
				fmt.Fprintf(w, "%d: invoice %s (%s, %s) recorded; operating costs now %s\n", r.Year, in.Invoice, r.Zone, r.Amount.Text, r.Totals.Expenses.Text)
			})
		},
	}
	f := cmd.Flags()
	f.IntVar(&in.Year, "year", 0, "budget year")
	f.StringVar(&in.Invoice, "invoice", "", "invoice number (unique in the year)")
	f.StringVar(&in.Supplier, "supplier", "", "supplier")
	f.StringVar(&in.Description, "description", "", "what it paid for")
	f.StringVar(&in.Zone, "zone", "", "zone it is charged to (see: starter budget zones; case and accents do not matter)")
	f.StringVar(&amountText, "amount", "", "amount, e.g. \"1.238 €\"")
	f.StringVar(&date, "date", "", "invoice date")
	cmd.AddCommand(expenseReverseCmd(withEnv, c))
	return withEnv(cmd)
}

func budgetCmd(withEnv func(*cobra.Command) *cobra.Command, c *cli) *cobra.Command {
	var committed string
	var in operations.BudgetHistoryInput
	group := &cobra.Command{Use: "budget", Short: "budgets of years before callcycle; the kept zones"}
	h := &cobra.Command{
		Use: "history --year Y --committed AMOUNT --source TEXT", Short: "record a past year's committed total (for the year-by-year chart)",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if in.Committed, err = amount("--committed", committed); err != nil {
				return err
			}
			r, err := c.svc.BudgetHistory(cmd.Context(), c.actor(), in)
			return show(c, cmd, r, err, func(w io.Writer, r operations.BudgetEntryResult) {
				fmt.Fprintf(w, "%d: committed total %s recorded (%s)\n", r.Year, r.Amount.Text, in.Source)
			})
		},
	}
	h.Flags().IntVar(&in.Year, "year", 0, "year")
	h.Flags().StringVar(&committed, "committed", "", "committed total, e.g. \"1.385.783 €\"")
	h.Flags().StringVar(&in.Source, "source", "", "where the figure comes from")
	h.AddCommand(historyReverseCmd(withEnv, c))
	group.AddCommand(withEnv(h), zonesCmd(withEnv, c))
	return group
}

// copyFile is xlsx.Copy with a destination that cannot be written
// answered as refused input.
func copyFile(from, to string) error {
	err := xlsx.Copy(from, to)
	if errors.Is(err, xlsx.ErrDestination) {
		return usageErr(err.Error())
	}
	return err
}
