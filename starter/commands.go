package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/callcycle/callcycle/internal/apiclient"
	"github.com/callcycle/callcycle/internal/app"
	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/config"
	"github.com/callcycle/callcycle/internal/operations"
	"github.com/callcycle/callcycle/migrations"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
)

// started: a command's own code was reached (see the PersistentPreRun).
var started bool

// newRoot wires the commands; lookup is the environment (read here, in
// main's package, and nowhere else).
func newRoot(lookup config.Lookup) *cobra.Command {
	started = false
	c := &cli{}
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
	root.PersistentFlags().BoolVar(&c.asJSON, "json", false, "print the result (or the error) as JSON (docs/json.md)")
	// connect opens what a command needs; config errors name the variable.
	connect := func(cmd *cobra.Command, _ []string) error {
		if base, ok := lookup("CALLCYCLE_URL"); ok && base != "" && cmd.Name() != "migrate" {
			return c.signIn(cmd.Context(), lookup, base)
		}
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
		}
		tc, err := app.Dial(cfg.Temporal, log)
		if err != nil {
			return err
		}
		cleanup = append(cleanup, tc.Close)
		fourEyes, err := operations.FourEyesActions(cfg.FourEyes)
		if err != nil {
			return fmt.Errorf("configuration:\nFOUR_EYES: %w", err)
		}
		svc := &operations.Service{Temporal: tc, DB: pool, FourEyes: fourEyes}
		if !c.asJSON {
			svc.Progress = progressBar(os.Stderr)
		}
		// Without the portal, starter is the server operator's tool,
		// connected to Temporal and PostgreSQL with the server's own
		// credentials: what it does is recorded as the system, by name.
		c.svc, c.by, c.role = svc, SystemActor, string(auth.System)
		return nil
	}
	root.PersistentPostRun = func(*cobra.Command, []string) {
		for i := len(cleanup) - 1; i >= 0; i-- {
			cleanup[i]()
		}
	}
	withEnv := func(cmd *cobra.Command) *cobra.Command { cmd.PreRunE = connect; return cmd }

	root.AddCommand(callCommands(withEnv, c)...)
	root.AddCommand(approvalCmds(withEnv, c)...)
	root.AddCommand(
		statusCmd(withEnv, c),
		screenCmd(withEnv, c),
		reviewCmd(withEnv, c),
		governmentCmd(withEnv, c),
		decideCmd(withEnv, c),
		carryOverCmd(withEnv, c),
		cancelCmd(withEnv, c),
		grantCmd(withEnv, c),
		paymentsCmd(withEnv, c),
		annualReportCmd(withEnv, c),
		demoCmd(lookup, c),
		expenseCmd(withEnv, c),
		budgetCmd(withEnv, c),
		historyCmd(withEnv, c),
		auditCmd(withEnv, c),
		withEnv(&cobra.Command{
			Use: "migrate", Short: "apply database migrations (the worker also does this at start)",
			Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				return show(c, cmd, migrateResult{UpToDate: true}, nil, func(w io.Writer, _ migrateResult) {
					fmt.Fprintln(w, "database schema is up to date")
				})
			},
		}),
	)
	refuseBareGroups(root)
	return root
}

// SystemActor is who starter acts as without the portal.
const SystemActor = "system:starter"

// signIn points the commands at the portal's API with the person's
// token, and learns their name (for what the commands print).
func (c *cli) signIn(ctx context.Context, lookup config.Lookup, base string) error {
	token, _ := lookup("CALLCYCLE_TOKEN")
	if token == "" {
		return errors.New("configuration:\nCALLCYCLE_TOKEN: CALLCYCLE_URL is set: create a personal access token in the portal and set CALLCYCLE_TOKEN to it")
	}
	client, err := apiclient.New(base, token)
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	me, err := client.Me(ctx)
	if err != nil {
		return err
	}
	c.svc, c.by = client, me.Name
	return nil
}

// migrateResult is what `starter migrate --json` prints.
type migrateResult struct {
	UpToDate bool `json:"up_to_date"`
}

// progressBar draws an import's progress for people.
func progressBar(w io.Writer) func(done, total int) {
	var bar *progressbar.ProgressBar
	return func(done, total int) {
		if bar == nil {
			bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(w),
				progressbar.OptionSetDescription("submitting"), progressbar.OptionShowCount(),
				progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }))
		}
		_ = bar.Set(done)
	}
}

// groupOnly marks a command that only groups others (its RunE refuses).
const groupOnly = "callcycle/group"

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
	if c.Annotations == nil {
		c.Annotations = map[string]string{}
	}
	c.Annotations[groupOnly] = "true"
	c.Args = cobra.ArbitraryArgs
	c.RunE = func(cmd *cobra.Command, a []string) error {
		if len(a) == 0 {
			return usageErr(fmt.Sprintf("%s needs a command; see %s --help", cmd.CommandPath(), cmd.CommandPath()))
		}
		return usageErr(fmt.Sprintf("unknown command %q for %q; see %s --help", a[0], cmd.CommandPath(), cmd.CommandPath()))
	}
}

// readInput reads a file named on the command line; one that cannot be
// read is a refusal like any bad input.
func readInput(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, usageErr(err.Error())
	}
	return data, nil
}
