package commands

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/prefect-secrets/prefect-secrets/cloud"
	"github.com/prefect-secrets/prefect-secrets/keyring"
)

// The command line is parsed with the standard library's flag package, one
// FlagSet for the global flags and one per command: every call of the tool
// pays for what it links and runs before its work, and a framework with
// templates and regexps at start-up cost a third of a bare Go program's
// start (see the README's Speed section).

// command is one subcommand: its help and its work.
type command struct {
	name        string
	usage       string // one line, for the command list
	args        string // what follows the options, e.g. "NAME"
	description string // examples included
	// flags registers the command's flags on fs.
	flags func(fs *flag.FlagSet)
	// run does the work with the arguments left after the flags.
	run func(args []string) error
	// aliases maps a short flag to its long name, for help.
	aliases map[string]string
}

// App is the command line: global flags, then a command.
type App struct {
	io       *IO
	g        *globals
	version  string
	commands []*command
}

// New builds the command line on io.
func New(io *IO, version string) *App {
	g := &globals{io: io}
	a := &App{io: io, g: g, version: version}
	a.commands = []*command{getCommand(g), execCommand(g), exportCommand(g), injectCommand(g), listCommand(g), explainCommand(g), setCommand(g), deleteCommand(g), doctorCommand(g)}
	return a
}

func (a *App) globalFlags(showVersion *bool) *flag.FlagSet {
	fs := newFlagSet("prefect-secrets")
	fs.StringVar(&a.g.sources, "sources", "", "comma-separated `LIST` of sources, in the order they are asked (env PREFECT_SECRETS_SOURCES; default "+defaultSources+")")
	fs.StringVar(&a.g.keyringService, "keyring-service", "", "keep secrets under this keyring service `NAME`, to keep projects apart (env PREFECT_SECRETS_KEYRING_SERVICE; default "+keyring.DefaultService+")")
	fs.DurationVar(&a.g.timeout, "timeout", 0, "`DURATION` each keyring call and API request may take, e.g. 500ms or 5s (default: "+keyring.DefaultTimeout.String()+" for the keyring, "+cloud.DefaultTimeout.String()+" for the API, Prefect's own)")
	fs.StringVar(&a.g.apiURL, "api-url", "", "the Prefect API `URL`, over PREFECT_API_URL and the profile's")
	fs.BoolVar(&a.g.allowHTTP, "allow-insecure-http", false, "let the API key go over plain HTTP to a host that is not this machine (with a warning)")
	fs.BoolVar(&a.g.verbose, "verbose", false, "say on stderr which sources are asked, for which names, and how long each takes (never a value)")
	fs.BoolVar(showVersion, "version", false, "print the version")
	return fs
}

func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported once, by main
	fs.Usage = func() {}
	return fs
}

// Run parses args (args[0] is the program) and runs the command.
func (a *App) Run(args []string) error {
	var showVersion bool
	global := a.globalFlags(&showVersion)
	if err := global.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			a.printHelp(global)
			return nil
		}
		return usagef("run 'prefect-secrets --help' for the usage", "%v", err)
	}
	global.Visit(func(f *flag.Flag) { a.g.timeoutSet = a.g.timeoutSet || f.Name == "timeout" })
	if a.g.timeoutSet && a.g.timeout <= 0 {
		return usagef("e.g. --timeout 5s", "--timeout must be more than zero")
	}
	if showVersion {
		fmt.Fprintf(a.io.Out, "prefect-secrets version %s\n", a.version)
		return nil
	}
	rest := global.Args()
	if len(rest) == 0 {
		a.printHelp(global)
		return nil
	}
	if rest[0] == "help" {
		return a.help(global, rest[1:])
	}
	cmd := a.lookup(rest[0])
	if cmd == nil {
		hint := "run 'prefect-secrets --help' for the commands"
		if s := a.suggest(rest[0]); s != "" {
			hint = fmt.Sprintf("did you mean %q? %s", s, hint)
		}
		return usagef(hint, "unknown command %q", rest[0])
	}
	fs := newFlagSet(cmd.name)
	if cmd.flags != nil {
		cmd.flags(fs)
	}
	if err := fs.Parse(rest[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			a.printCommandHelp(cmd, fs)
			return nil
		}
		hint := "run 'prefect-secrets " + cmd.name + " --help' for the usage"
		if name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: -"); ok && global.Lookup(strings.TrimLeft(name, "-")) != nil {
			hint = "global options go before the command: prefect-secrets --" + strings.TrimLeft(name, "-") + " " + cmd.name + " ..."
		}
		return usagef(hint, "%v", err)
	}
	return cmd.run(fs.Args())
}

func (a *App) lookup(name string) *command {
	for _, c := range a.commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

func (a *App) help(global *flag.FlagSet, args []string) error {
	if len(args) == 0 {
		a.printHelp(global)
		return nil
	}
	cmd := a.lookup(args[0])
	if cmd == nil {
		return usagef("run 'prefect-secrets --help' for the commands", "no help for unknown command %q", args[0])
	}
	fs := newFlagSet(cmd.name)
	if cmd.flags != nil {
		cmd.flags(fs)
	}
	a.printCommandHelp(cmd, fs)
	return nil
}

// suggest returns the command closest to a mistyped name, if one is close.
func (a *App) suggest(name string) string {
	best, bestDist := "", 3
	for _, c := range a.commands {
		if d := editDistance(name, c.name); d < bestDist {
			best, bestDist = c.name, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

func (a *App) printHelp(global *flag.FlagSet) {
	w := a.io.Out
	fmt.Fprintf(w, "NAME:\n   prefect-secrets - hand Prefect secrets to commands without ever echoing them\n\n")
	fmt.Fprintf(w, "USAGE:\n   prefect-secrets [global options] command [command options] [arguments...]\n\n")
	fmt.Fprintf(w, "VERSION:\n   %s\n\n", a.version)
	fmt.Fprintf(w, "DESCRIPTION:\n%s\n\n", indent(appDescription))
	fmt.Fprintf(w, "COMMANDS:\n")
	for _, c := range a.commands {
		fmt.Fprintf(w, "   %-8s %s\n", c.name, c.usage)
	}
	fmt.Fprintf(w, "   %-8s %s\n\n", "help", "show the help of a command: prefect-secrets help COMMAND")
	fmt.Fprintf(w, "GLOBAL OPTIONS:\n")
	printFlags(w, global, nil)
}

func (a *App) printCommandHelp(c *command, fs *flag.FlagSet) {
	w := a.io.Out
	fmt.Fprintf(w, "NAME:\n   prefect-secrets %s - %s\n\n", c.name, c.usage)
	fmt.Fprintf(w, "USAGE:\n   prefect-secrets %s [command options] %s\n\n", c.name, c.args)
	fmt.Fprintf(w, "DESCRIPTION:\n%s\n\n", indent(c.description))
	fmt.Fprintf(w, "OPTIONS:\n")
	printFlags(w, fs, c.aliases)
}

// printFlags lists a FlagSet's flags, long names first, one line each.
func printFlags(w io.Writer, fs *flag.FlagSet, aliases map[string]string) {
	shortOf := make(map[string]string)
	for short, long := range aliases {
		shortOf[long] = short
	}
	type row struct{ names, usage string }
	var rows []row
	width := 0
	fs.VisitAll(func(f *flag.Flag) {
		if _, isAlias := aliases[f.Name]; isAlias {
			return
		}
		value, usage := flag.UnquoteUsage(f)
		names := "--" + f.Name
		if s, ok := shortOf[f.Name]; ok {
			names += ", -" + s
		}
		if _, isBool := f.Value.(interface{ IsBoolFlag() bool }); !isBool && value != "" {
			names += " " + value
		}
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0s" {
			usage += " (default: " + f.DefValue + ")"
		}
		rows = append(rows, row{names, usage})
		width = max(width, len(names))
	})
	rows = append(rows, row{"--help, -h", "show help"})
	for _, r := range rows {
		fmt.Fprintf(w, "   %-*s  %s\n", width, r.names, r.usage)
	}
}

func indent(text string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = "   " + l
		}
	}
	return strings.Join(lines, "\n")
}

// stringList is a repeatable flag: each use adds one value, commas and all.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

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
