package commands

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/urfave/cli/v2"
	"github.com/xrash/smetrics"

	"github.com/prefect-secrets/prefect-secrets/keyring"
)

// The command line is urfave/cli/v2's. The command tree is declared once
// (New, and one command per file), and help, the reference docs
// (internal/gendocs) and shell completion (completion.go) all come from
// that declaration. urfave parses the flags, routes to the command and
// lays out help. What it lacks, this file supplies:
//
//   - errors returned, never printed: urfave prints "Incorrect Usage" and
//     help for a usage error, and exits through HandleExitCoder; here
//     every error goes back to main, which reports it once (IO.Report)
//     and picks the exit code (ExitCode);
//   - help and version flags of the tool's own: urfave's HelpFlag and
//     VersionFlag are package variables it changes as it parses, which
//     two apps in one process (tests) would share, and its help flag takes
//     a command's first argument for a command to show help for;
//   - usage errors for an unknown command or help topic, with the closest
//     name: urfave's suggestions (Suggest) always name something, however
//     far, and its help command answers "No help topic" with exit code 3;
//   - the number of a command's arguments (exactArgs): urfave v2 does not
//     check it.
//
// The order of the words is args.go's; the options' types, options.go's.

// App is the command line: global flags, then a command.
type App struct {
	io      *IO
	g       *globals
	version string
	cli     *cli.App
	// args is the command line as given, for messages that quote the
	// user's own words.
	args []string

	showVersion bool
	showHelp    bool
	sources     *option
	timeout     *option
}

// errDone ends a run early that did what was asked (--version).
var errDone = errors.New("done")

// urfaveHelpOff turns urfave's own help flag off, as urfave documents
// ("set to nil to disable"): the tool has its own (helpOption), and
// urfave's check of it ran a regexp per command level at every start.
var urfaveHelpOff sync.Once

// New builds the command line on io.
func New(io *IO, version string) *App {
	urfaveHelpOff.Do(func() { cli.HelpFlag = nil })
	g := &globals{io: io}
	a := &App{io: io, g: g, version: version}
	a.cli = &cli.App{
		Name:        "prefect-secrets",
		HelpName:    "prefect-secrets",
		Usage:       "hand Prefect secrets to commands without ever echoing them",
		UsageText:   "prefect-secrets [global options] command [command options] [arguments...]",
		Description: appDescription,
		Flags:       a.globalFlags(),
		Commands: []*cli.Command{
			a.command(getCommand(g)), a.command(execCommand(g)), a.command(exportCommand(g)),
			a.command(injectCommand(g)), a.command(listCommand(g)), a.command(explainCommand(g)),
			a.command(setCommand(g)), a.command(deleteCommand(g)), a.command(doctorCommand(g)),
			a.command(completionCommand(a)), a.command(helpCommand(a)),
		},
		Reader: io.In, Writer: io.Out, ErrWriter: io.Err,
		// Not zero, so urfave does not stat argv[0] at every start to guess it.
		Compiled: time.Unix(1, 0),
		// The help flag and command, and the version flag, are the tool's
		// own: urfave's are package variables it changes as it parses, which
		// two apps in one process (tests) would share.
		HideHelp: true, HideHelpCommand: true, HideVersion: true,
		Before:         a.before,
		Action:         a.noCommand,
		OnUsageError:   a.flagError,
		ExitErrHandler: func(*cli.Context, error) {}, // main reports errors, once
	}
	return a
}

// CLI is the command tree, for the reference docs (internal/gendocs).
func (a *App) CLI() *cli.App {
	a.cli.Setup()
	return a.cli
}

func (a *App) globalFlags() []cli.Flag {
	g := a.g
	getenv := g.io.lookupEnv
	a.sources = &option{name: "sources", value: stringValue{&g.sources}, env: "PREFECT_SECRETS_SOURCES", getenv: getenv,
		usage: "comma-separated `LIST` of sources, in the order they are asked: " + strings.Join(knownSources, ", "),
		def:   defaultSources, choices: knownSources, list: true}
	a.timeout = &option{name: "timeout", value: durationValue{&g.timeout}, env: "PREFECT_SECRETS_TIMEOUT", getenv: getenv,
		usage: "`DURATION` each keyring call may take, and each whole call to the Prefect API, retries and waits included, e.g. 500ms or 5s",
		def:   keyring.DefaultTimeout.String() + " for the keyring; for the API, twice PREFECT_API_REQUEST_TIMEOUT plus Prefect's retry waits (3m14s)"}
	return []cli.Flag{
		a.sources,
		&option{name: "keyring-service", value: stringValue{&g.keyringService}, env: "PREFECT_SECRETS_KEYRING_SERVICE", getenv: getenv,
			usage: "keep secrets under this keyring service `NAME`, to keep projects apart", def: keyring.DefaultService},
		a.timeout,
		&option{name: "api-url", value: stringValue{&g.apiURL}, env: "PREFECT_SECRETS_API_URL", getenv: getenv,
			usage: "the Prefect API `URL`, over PREFECT_API_URL and the profile's"},
		&option{name: "allow-insecure-http", value: boolValue{&g.allowHTTP}, env: "PREFECT_SECRETS_ALLOW_INSECURE_HTTP", getenv: getenv,
			usage: "let the API key go over plain HTTP to a host that is not this machine (with a warning)"},
		&option{name: "verbose", value: boolValue{&g.verbose}, env: "PREFECT_SECRETS_VERBOSE", getenv: getenv,
			usage: "say on stderr which sources are asked, for which names, and how long each takes (never a value)"},
		&option{name: "version", alias: "v", value: boolValue{&a.showVersion}, usage: "print the version"},
		a.helpOption(),
	}
}

// helpOption is --help. It is shown by the tool itself (before, and the
// commands' actions), not by urfave, which would take the first argument
// for a command to show help for: `get NAME --help` would ask for help on
// NAME. (urfave's own help flag is off: see urfaveHelpOff.)
func (a *App) helpOption() *option {
	return &option{name: "help", alias: "h", value: boolValue{&a.showHelp}, usage: "show help"}
}

// command adds what every command shares: its --help, and errors that go
// to main rather than to urfave's printing.
func (a *App) command(c *cli.Command) *cli.Command {
	c.Flags = append(c.Flags, a.helpOption())
	c.HideHelp = true        // the --help above instead of urfave's
	c.HideHelpCommand = true // so "get help" gets a secret named help
	c.OnUsageError = a.flagError
	action := c.Action
	c.Action = func(ctx *cli.Context) error {
		if a.showHelp {
			return cli.ShowCommandHelp(ctx, c.Name)
		}
		return action(ctx)
	}
	return c
}

// Run parses args (args[0] is the program) and runs the command.
func (a *App) Run(args []string) error {
	a.args = args
	if len(args) > 1 && args[1] == completeCommand {
		return a.complete(args[2:])
	}
	l := a.scan(args)
	if l.err != nil {
		return l.err
	}
	err := a.cli.Run(l.reordered())
	if errors.Is(err, errDone) {
		return nil
	}
	return err
}

func (a *App) before(c *cli.Context) error {
	if a.showHelp { // prefect-secrets --help [COMMAND]
		show := a.appHelp
		if name := c.Args().First(); a.cli.Command(name) != nil {
			show = func(c *cli.Context) error { return cli.ShowCommandHelp(c, name) }
		}
		if err := show(c); err != nil {
			return err
		}
		return errDone
	}
	if a.showVersion {
		fmt.Fprintf(a.io.Out, "prefect-secrets version %s\n", a.fullVersion())
		return errDone
	}
	if a.sources.given && strings.TrimSpace(a.g.sources) == "" {
		return usagef("leave --sources out for the default order ("+defaultSources+"), or name sources: e.g. --sources env,context",
			"%s is empty", a.written("sources"))
	}
	a.g.sourcesFrom = a.sources.origin()
	a.g.timeoutSet = a.timeout.IsSet()
	if a.g.timeoutSet && a.g.timeout <= 0 {
		from := a.timeout.origin()
		if a.timeout.given {
			from = a.written("timeout")
		}
		return usagef("e.g. --timeout 5s", "%s must be more than zero", from)
	}
	return nil
}

// appHelp shows the app's help: urfave's, with the version shown even
// though urfave's own version flag is off (HideVersion). Both are made only
// here, not at every start.
func (a *App) appHelp(c *cli.Context) error {
	a.cli.Version = a.fullVersion()
	a.cli.CustomAppHelpTemplate = strings.Replace(cli.AppHelpTemplate, "{{if not .HideVersion}}", "{{if true}}", 1)
	return cli.ShowAppHelp(c)
}

// noCommand runs when no command was named: help, or an unknown command.
func (a *App) noCommand(c *cli.Context) error {
	if !c.Args().Present() {
		return a.appHelp(c)
	}
	name := c.Args().First()
	return usagef(a.commandHint(name), "unknown command %s", strconv.Quote(name))
}

func helpCommand(a *App) *cli.Command {
	return &cli.Command{
		Name:      "help",
		Usage:     "show the help of a command",
		UsageText: "prefect-secrets help [COMMAND]",
		Description: `Shows the help of COMMAND, or with no COMMAND the help of prefect-secrets.
Every command also takes --help.

Examples:
  prefect-secrets help exec
  prefect-secrets exec --help`,
		Action: func(c *cli.Context) error {
			args := c.Args().Slice()
			switch {
			case len(args) == 0:
				return a.appHelp(c)
			case len(args) > 1:
				return usagef("usage: prefect-secrets help [COMMAND]", "help takes one COMMAND, but got %d arguments", len(args))
			case a.cli.Command(args[0]) == nil:
				return usagef(a.commandHint(args[0]), "no help for unknown command %s", strconv.Quote(args[0]))
			}
			return cli.ShowCommandHelp(c, args[0])
		},
	}
}

// commandHint suggests the command closest to a mistyped name.
func (a *App) commandHint(name string) string {
	hint := "run 'prefect-secrets --help' for the commands"
	var names []string
	for _, c := range a.cli.Commands {
		names = append(names, c.Name)
	}
	if s := closest(name, names); s != "" {
		hint = fmt.Sprintf("did you mean %s? %s", strconv.Quote(s), hint)
	}
	return hint
}

// closest returns the candidate nearest to a mistyped word, if one is
// near enough: at most two edits (Levenshtein distance, in bytes, from the
// package urfave suggests with), and fewer edits than letters.
func closest(word string, candidates []string) string {
	best, bestDist := "", 3
	for _, c := range candidates {
		if d := smetrics.WagnerFischer(word, c, 1, 1, 1); d < bestDist && d < len(c) {
			best, bestDist = c, d
		}
	}
	return best
}

// exactArgs checks a command got exactly the arguments it names.
func exactArgs(cmd string, args []string, names ...string) error {
	if len(args) == len(names) {
		return nil
	}
	if len(names) == 0 {
		return usagef("usage: prefect-secrets "+cmd, "%s takes no arguments", cmd)
	}
	want := strings.Join(names, " ")
	if len(args) < len(names) {
		return usagef("usage: prefect-secrets "+cmd+" "+want, "%s needs %s", cmd, want)
	}
	return usagef("usage: prefect-secrets "+cmd+" "+want, "%s takes only %s, but got %d arguments", cmd, want, len(args))
}
