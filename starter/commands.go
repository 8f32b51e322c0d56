package main

import (
	"fmt"
	"os"

	"github.com/callcycle/callcycle/internal/app"
	"github.com/callcycle/callcycle/internal/config"
	"github.com/callcycle/callcycle/internal/officer"
	"github.com/callcycle/callcycle/migrations"
	"github.com/spf13/cobra"
)

// started: a command's own code was reached (see the PersistentPreRun).
var started bool

// newRoot wires the commands; lookup is the environment (read here, in
// main's package, and nowhere else).
func newRoot(lookup config.Lookup, defaultBy string) *cobra.Command {
	started = false
	var by string
	var env officer.Env
	var cleanup []func()
	root := &cobra.Command{
		Use:           "starter",
		Short:         "callcycle officer CLI: launch calls, take applications, see where a call stands",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	// Cobra's own refusals (unknown command or flag, wrong number of
	// arguments) come before any command runs; they are usage errors like
	// any refused input (exit 2), told apart by where they happen rather
	// than by their text.
	root.PersistentPreRun = func(*cobra.Command, []string) { started = true }
	root.PersistentFlags().StringVar(&by, "as", defaultBy, "officer recorded with every change (default: $CALLCYCLE_OFFICER or your user name)")
	// connect opens what a command needs; config errors name the variable.
	connect := func(cmd *cobra.Command, _ []string) error {
		cfg, err := config.Load(lookup)
		if err != nil {
			return fmt.Errorf("configuration:\n%w", err)
		}
		log := app.Logger("error")
		cfg.WarnDeprecated(app.Logger("warn"))
		pool, err := app.OpenDB(cmd.Context(), cfg.DatabaseURL)
		if err != nil {
			return err
		}
		cleanup = append(cleanup, pool.Close)
		if cmd.Name() == "migrate" {
			_, err := migrations.Up(cmd.Context(), pool)
			return err
		} else {
			c, err := app.Dial(cfg.Temporal, log)
			if err != nil {
				return err
			}
			cleanup = append(cleanup, c.Close)
			env.Temporal = c
		}
		env.DB, env.Out, env.Progress, env.By = pool, cmd.OutOrStdout(), os.Stderr, by
		return nil
	}
	root.PersistentPostRun = func(*cobra.Command, []string) {
		for i := len(cleanup) - 1; i >= 0; i-- {
			cleanup[i]()
		}
	}
	withEnv := func(c *cobra.Command) *cobra.Command { c.PreRunE = connect; return c }

	root.AddCommand(
		withEnv(&cobra.Command{
			Use: "launch <call.yaml>", Short: "validate a call config, start its workflow and mail the launch announcement",
			Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, a []string) error {
				_, err := env.Launch(cmd.Context(), a[0], officer.LaunchOptions{})
				return err
			},
		}),
		withEnv(&cobra.Command{
			Use: "apply <call-id> <application.yaml>", Short: "submit one application",
			Args: cobra.ExactArgs(2),
			RunE: func(cmd *cobra.Command, a []string) error {
				_, err := env.Apply(cmd.Context(), a[0], a[1])
				return err
			},
		}),
		withEnv(&cobra.Command{
			Use: "import <call-id> <file.xlsx|file.csv>", Short: "submit many applications; prints each rejected row with its reason",
			Args: cobra.ExactArgs(2),
			RunE: func(cmd *cobra.Command, a []string) error {
				_, err := env.Import(cmd.Context(), a[0], a[1])
				return err
			},
		}),
		closeCmd(withEnv, &env),
		withEnv(&cobra.Command{
			Use: "extend <call-id> <new-deadline>", Short: "move the submission deadline (e.g. \"2024-04-15 23:59\", Brussels time)",
			Args: cobra.ExactArgs(2),
			RunE: func(cmd *cobra.Command, a []string) error {
				_, err := env.Extend(cmd.Context(), a[0], a[1])
				return err
			},
		}),
		statusCmd(withEnv, &env),
		screenCmd(withEnv, &env),
		reviewCmd(withEnv, &env),
		governmentCmd(withEnv, &env),
		decideCmd(withEnv, &env),
		carryOverCmd(withEnv, &env),
		cancelCmd(withEnv, &env),
		grantCmd(withEnv, &env),
		paymentsCmd(withEnv, &env),
		annualReportCmd(withEnv, &env),
		demoCmd(lookup, &by),
		expenseCmd(withEnv, &env),
		budgetCmd(withEnv, &env),
		withEnv(&cobra.Command{
			Use: "migrate", Short: "apply database migrations (the worker also does this at start)",
			Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				fmt.Fprintln(cmd.OutOrStdout(), "database schema is up to date")
				return nil
			},
		}),
	)
	refuseBareGroups(root)
	return root
}

// refuseBareGroups makes a command that only groups others ("grant",
// "review") refuse being run alone or with an unknown subcommand; cobra
// would print its help and exit 0 as if something had been done.
func refuseBareGroups(c *cobra.Command) {
	for _, sub := range c.Commands() {
		refuseBareGroups(sub)
	}
	if c == c.Root() || !c.HasSubCommands() || c.Runnable() {
		return
	}
	c.Args = cobra.ArbitraryArgs
	c.RunE = func(cmd *cobra.Command, a []string) error {
		if len(a) == 0 {
			return usageErr(fmt.Sprintf("%s needs a command; see %s --help", cmd.CommandPath(), cmd.CommandPath()))
		}
		return usageErr(fmt.Sprintf("unknown command %q for %q; see %s --help", a[0], cmd.CommandPath(), cmd.CommandPath()))
	}
}

func closeCmd(withEnv func(*cobra.Command) *cobra.Command, env *officer.Env) *cobra.Command {
	var reason string
	c := &cobra.Command{
		Use: "close <call-id>", Short: "close the submission window now, before the deadline",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			_, err := env.Close(cmd.Context(), a[0], reason)
			return err
		},
	}
	c.Flags().StringVar(&reason, "reason", "", "why the window closes early (recorded)")
	return withEnv(c)
}

func statusCmd(withEnv func(*cobra.Command) *cobra.Command, env *officer.Env) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use: "status <call-id>", Short: "show the call's stage, counts and what it waits for",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			_, err := env.Status(cmd.Context(), a[0], asJSON)
			return err
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return withEnv(c)
}
