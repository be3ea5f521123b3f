// Package commands holds one file per command: its flags, its argument
// checks, and the call into resolve and proc that does the work. Nothing
// below this package prints.
package commands

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/prefect-secrets/prefect-secrets/keyring"
)

const appDescription = `Resolves a secret by name through an ordered chain of sources and prints it
(get) or puts it into a command's environment (exec). Values are read from
the sources, written to stdout or the child's environment, and nowhere else:
never to stderr, --verbose output, argv or temporary files.

Sources (default order: ` + defaultSources + `; pick and order them with --sources):
     context   Prefect 1's local context: PREFECT__CONTEXT__SECRETS__<NAME>
               variables and the [context.secrets] table of Prefect's user
               config (PREFECT__USER_CONFIG_PATH, default ~/.prefect/config.toml)
     env       a plain environment variable by its exact name (Prefect's
               EnvVarSecret); not in the default order

   Examples:
     prefect-secrets get SLACK_WEBHOOK_URL
     prefect-secrets exec -s DB_PASSWORD -- python flow.py
     prefect-secrets --sources env,context exec -s TOKEN=CI_TOKEN -- ./deploy.sh
     prefect-secrets explain DB_PASSWORD
     prefect-secrets list --json

   Exit codes:
     0    success
     64   usage error (a command line that makes no sense)
     65   bad input data (an invalid name or value)
     66   secret not found
     69   a source is unavailable
     70   internal error
     77   permission or authentication denied
     78   bad configuration (e.g. a broken Prefect config file)
     exec returns its command's exit status; 126 when the command cannot be
     run, 127 when it is not found, as a shell does; a command killed by a
     signal ends prefect-secrets by the same signal.`

// globals are the flags given before the command.
type globals struct {
	io             *IO
	sources        string
	verbose        bool
	keyringService string
	timeout        time.Duration

	kr *keyring.Keyring
}

// New builds the command-line app on io.
func New(io *IO, version string) *cli.App {
	g := &globals{io: io}
	cli.VersionFlag = &cli.BoolFlag{Name: "version", Usage: "print the version"}
	app := &cli.App{
		Name:                      "prefect-secrets",
		Usage:                     "hand Prefect secrets to commands without ever echoing them",
		UsageText:                 "prefect-secrets [global options] command [command options] [arguments...]",
		Description:               appDescription,
		Version:                   version,
		Reader:                    io.In,
		Writer:                    io.Out,
		ErrWriter:                 io.Err,
		DisableSliceFlagSeparator: true,
		Suggest:                   true,
		HideHelpCommand:           true,
		ExitErrHandler:            func(*cli.Context, error) {}, // main turns errors into exit codes
		OnUsageError:              onUsageError,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "sources", Usage: "comma-separated `LIST` of sources, in the order they are asked (env PREFECT_SECRETS_SOURCES; default " + defaultSources + ")", Destination: &g.sources},
			&cli.StringFlag{Name: "keyring-service", Usage: "keep secrets under this keyring service `NAME`, to keep projects apart (env PREFECT_SECRETS_KEYRING_SERVICE; default " + keyring.DefaultService + ")", Destination: &g.keyringService},
			&cli.DurationFlag{Name: "timeout", Usage: "deadline for each keyring call", Value: keyring.DefaultTimeout, Destination: &g.timeout},
			&cli.BoolFlag{Name: "verbose", Usage: "say on stderr which sources are asked, for which names, and how long each takes (never a value)", Destination: &g.verbose},
		},
		Commands: []*cli.Command{
			getCommand(g),
			execCommand(g),
			listCommand(g),
			explainCommand(g),
			setCommand(g),
			deleteCommand(g),
		},
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usagef("run 'prefect-secrets --help' for the commands", "unknown command %q", c.Args().First())
			}
			_ = cli.ShowAppHelp(c)
			return nil
		},
	}
	for _, c := range app.Commands {
		c.OnUsageError = onUsageError
	}
	return app
}

// onUsageError turns a flag the parser refused into a usage error (64) on
// stderr, instead of urfave/cli's help dump on stdout, where $(...) would
// take it for a value.
func onUsageError(c *cli.Context, err error, _ bool) error {
	help := "prefect-secrets --help"
	if c.Command != nil && c.Command.Name != "" && c.Command.Name != c.App.Name {
		help = "prefect-secrets " + c.Command.Name + " --help"
	}
	return usagef("run '"+help+"' for the usage", "%s", err)
}

// logf writes a --verbose line to stderr. Callers pass names, sources and
// timings, never values.
func (g *globals) logf(format string, args ...any) {
	if g.verbose {
		fmt.Fprintf(g.io.Err, "prefect-secrets: "+format+"\n", args...)
	}
}

// ctx is the context commands run under; every network and keyring call
// takes its deadline from here.
func (g *globals) ctx() context.Context { return context.Background() }

// exactArgs checks a command got exactly the arguments it names.
func exactArgs(c *cli.Context, names ...string) error {
	if c.NArg() == len(names) {
		return nil
	}
	if len(names) == 0 {
		return usagef("usage: prefect-secrets "+c.Command.Name, "%s takes no arguments", c.Command.Name)
	}
	want := strings.Join(names, " ")
	if c.NArg() < len(names) {
		return usagef("usage: prefect-secrets "+c.Command.Name+" "+want, "%s needs %s", c.Command.Name, want)
	}
	return usagef("usage: prefect-secrets "+c.Command.Name+" "+want, "%s takes only %s, but got %d arguments", c.Command.Name, want, c.NArg())
}
