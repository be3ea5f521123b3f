package commands

// The order of the words of a command line. urfave/cli/v2 parses flags
// with Go's flag package, which lacks what this file supplies:
//
//   - a command's flags after its arguments (`get NAME --json`): the flag
//     package stops at the first argument, so reorder moves the command's
//     flags before its arguments, except exec's, whose words from its first
//     argument on are the child's command line;
//   - "--" and flag words as values: the flag package takes whatever word
//     follows a flag as its value (`exec -s -- true` asks for a secret
//     named "--"); scan refuses a value that is missing, "--", or a word
//     that starts with "-", which is written joined instead (-s=-x);
//   - a global flag given after the command: refused with the command line
//     corrected (corrected), where urfave only knows the flag is not the
//     command's;
//   - flags named as the user wrote them (written): the flag package names
//     every flag "-name" in its errors.

import (
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"
)

// isFlagWord says whether a word of the command line is a flag: -x, --x,
// --x=v (not "-", which names stdin, nor "--", which ends the flags).
func isFlagWord(w string) bool {
	return len(w) > 1 && w[0] == '-' && w != "--"
}

// flagName is the name a flag word gives: "json" for --json or -json=x.
func flagName(w string) string {
	name, _, _ := strings.Cut(strings.TrimLeft(w, "-"), "=")
	return name
}

// asWritten is a flag word's name with the dashes the user gave it:
// "-timeout" for -timeout=5.
func asWritten(w string) string {
	return w[:len(w)-len(strings.TrimLeft(w, "-"))] + flagName(w)
}

// lookupOption finds the option named name among flags.
func lookupOption(flags []cli.Flag, name string) *option {
	for _, f := range flags {
		if o, ok := f.(*option); ok {
			for _, n := range o.allNames() {
				if n == name {
					return o
				}
			}
		}
	}
	return nil
}

// globalOption finds a global option by name.
func (a *App) globalOption(name string) *option { return lookupOption(a.cli.Flags, name) }

// takesNext says whether the flag word w is followed by its value: an
// option that takes one, given without "=".
func takesNext(o *option, w string) bool {
	return o != nil && o.TakesValue() && !strings.Contains(w, "=")
}

// cmdLine is a command line (args[0] the program) read the way urfave will
// parse it once reordered.
type cmdLine struct {
	args []string
	ci   int          // the index of the command word; -1 when none comes before an unknown global flag or "--"
	cmd  *cli.Command // nil when there is no command, or it is unknown
	tail []group      // the words after the command, when it is known
	// err is the first flag whose value is not there, when it comes before
	// any flag that urfave refuses (that one urfave reports).
	err error
}

// group is one flag with its value, one argument, or the words that are
// arguments whatever they look like: "--" and all after it, exec's command
// line, and help's arguments.
type group struct {
	words  []string
	flag   bool
	global bool // a global flag, after the command
	rest   bool
}

// scan reads a command line.
func (a *App) scan(args []string) *cmdLine {
	l := &cmdLine{args: args, ci: -1}
	for i := 1; i < len(args) && l.ci < 0; i++ {
		w := args[i]
		switch o := a.globalOption(flagName(w)); {
		case w == "--":
			return l
		case !isFlagWord(w):
			l.ci = i
		case o == nil:
			return l // urfave refuses it
		case takesNext(o, w):
			if l.err = valueError(o, w, args[i+1:], ""); l.err != nil {
				return l
			}
			i++
		}
	}
	if l.ci < 0 {
		return l
	}
	if l.cmd = a.cli.Command(args[l.ci]); l.cmd == nil {
		return l
	}
	tail := args[l.ci+1:]
	refused, positional := false, 0
	for i := 0; i < len(tail); i++ {
		w := tail[i]
		// exec's words from its first argument on are the child's; help is
		// not reordered either: urfave stops at their first argument.
		if w == "--" || (!isFlagWord(w) && (l.cmd.Name == "exec" || l.cmd.Name == "help")) {
			l.tail = append(l.tail, group{words: tail[i:], rest: true})
			break
		}
		g := group{words: []string{w}, flag: isFlagWord(w)}
		var o *option
		if g.flag {
			if o = lookupOption(l.cmd.Flags, flagName(w)); o == nil {
				o = a.globalOption(flagName(w))
				g.global = o != nil
			}
			// set never takes a value as an argument, but a word after NAME
			// may be one a user typed: left an argument, set refuses it
			// without echoing it, where an unknown flag's error would.
			g.flag = o != nil || l.cmd.Name != "set" || positional == 0
		}
		if !g.flag {
			positional++
		}
		refused = refused || g.flag && (o == nil || g.global)
		if takesNext(o, w) {
			if !refused && l.err == nil {
				l.err = valueError(o, w, tail[i+1:], l.cmd.Name)
			}
			if i+1 < len(tail) {
				i++
				g.words = append(g.words, tail[i])
			}
		}
		l.tail = append(l.tail, g)
	}
	return l
}

// valueError is the usage error for the flag word w of option o (of the
// command cmd, "" for a global one) when the words after it do not start
// with its value: there are none, or the next is "--" or starts with "-".
// A value that starts with "-" is given joined, -s=-x, so that a forgotten
// value never takes the next flag for it (`-o --force` writing ./--force).
func valueError(o *option, w string, next []string, cmd string) error {
	if len(next) > 0 && (next[0] == "-" || !strings.HasPrefix(next[0], "-")) {
		return nil
	}
	w, want := asWritten(w), o.placeholder()
	hint := usageHint(cmd)
	switch {
	case len(next) == 0:
	case next[0] == "--":
		hint = `"--" ends the options: the ` + want + " goes before it, " + w + " " + want + " --"
	default:
		hint = strconv.Quote(next[0]) + " looks like an option, not a " + want + "; a " + want +
			` that starts with "-" is joined to its option: ` + w + "=" + shellQuote(next[0])
	}
	return usagef(hint, "%s needs a %s", w, want)
}

// usageHint points to the help of a command, or with "" to the tool's.
func usageHint(cmd string) string {
	if cmd == "" {
		return "run 'prefect-secrets --help' for the usage"
	}
	return "run 'prefect-secrets " + cmd + " --help' for the usage"
}

// reordered is the command line with the command's flags (and any global
// flag after the command, which the command's parsing then refuses: see
// flagError) before its arguments, and a "--" between. exec is left as it
// is: everything after its first argument is the child's command line. So
// is help.
func (l *cmdLine) reordered() []string {
	if l.cmd == nil || l.cmd.Name == "exec" || l.cmd.Name == "help" {
		return l.args
	}
	var flags, rest []string
	for _, g := range l.tail {
		switch {
		case g.rest:
			rest = append(rest, g.words[1:]...) // after the "--"
		case g.flag:
			flags = append(flags, g.words...)
		default:
			rest = append(rest, g.words...)
		}
	}
	out := append(append([]string(nil), l.args[:l.ci+1]...), flags...)
	out = append(out, "--")
	return append(out, rest...)
}

// corrected is the command line with the global flags given after the
// command moved before it. For set, only NAME of its arguments is shown:
// any other may be a value typed by mistake.
func (l *cmdLine) corrected() string {
	if l.cmd == nil {
		return ""
	}
	var moved, rest []string
	positional := 0
	for _, g := range l.tail {
		switch {
		case g.global:
			moved = append(moved, g.words...)
		case !g.flag && !g.rest:
			if positional++; l.cmd.Name == "set" && positional > 1 {
				continue
			}
			fallthrough
		default:
			rest = append(rest, g.words...)
		}
	}
	words := append(append(append(append([]string{"prefect-secrets"}, l.args[1:l.ci]...), moved...), l.args[l.ci]), rest...)
	for i, w := range words {
		words[i] = shellQuote(w)
	}
	return strings.Join(words, " ")
}

// written is a flag as the user wrote it ("-timeout", "--timeout"), for
// messages about it; "--name" when it is not on the command line.
func (a *App) written(name string) string {
	for _, w := range a.args[1:] {
		if w == "--" {
			break
		}
		if isFlagWord(w) && flagName(w) == name {
			return asWritten(w)
		}
	}
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// shellQuote quotes a word for a shell, when it needs it.
func shellQuote(w string) string {
	if w != "" && strings.Trim(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=+,./:@%^") == "" {
		return w
	}
	if strconv.Quote(w) != `"`+w+`"` {
		return strconv.Quote(w) // control characters: shown escaped, never raw
	}
	return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
}

// flagError turns an error of the flag parsing (Go's flag package, through
// urfave) into a usage error that names the flag as the user wrote it and
// says what to do. (A flag without its value never gets here: scan
// refuses it first.)
func (a *App) flagError(c *cli.Context, err error, _ bool) error {
	if _, ok := err.(*UsageError); ok {
		return err
	}
	cmd := c.Command
	isRoot := cmd == nil || cmd.Name == a.cli.Name
	flags, helpHint := a.cli.Flags, usageHint("")
	if !isRoot {
		flags, helpHint = cmd.Flags, usageHint(cmd.Name)
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		w := a.written(name)
		if !isRoot && a.globalOption(name) != nil {
			return usagef("global options go before the command: "+a.scan(a.args).corrected(), "%s is a global option: it goes before the command", w)
		}
		var names []string
		for _, f := range flags {
			if o, ok := f.(*option); ok {
				names = append(names, o.allNames()...)
			}
		}
		if s := closest(name, names); s != "" {
			helpHint = "did you mean " + a.dashed(s, w) + "? " + helpHint
		}
		if isRoot {
			return usagef(helpHint, "unknown global option %s", w)
		}
		return usagef(helpHint, "unknown option %s for %s", w, cmd.Name)
	}
	// invalid value "x" for flag -name: cause
	// invalid boolean value "x" for -name: cause
	for _, prefix := range []string{"invalid value ", "invalid boolean value "} {
		rest, ok := strings.CutPrefix(msg, prefix)
		if !ok {
			continue
		}
		quoted, err := strconv.QuotedPrefix(rest)
		if err != nil {
			break
		}
		rest = strings.TrimPrefix(strings.TrimPrefix(rest[len(quoted):], " for flag -"), " for -")
		name, cause, _ := strings.Cut(rest, ": ")
		w := a.written(name)
		hint := helpHint
		if o := lookupOption(flags, name); o != nil {
			hint = valueHint(o, w)
		}
		return usagef(hint, "invalid value %s for %s: %s", quoted, w, cause)
	}
	if forms, ok := strings.CutPrefix(msg, "Cannot use two forms of the same flag: "); ok {
		var ws []string
		for _, f := range strings.Fields(forms) {
			ws = append(ws, a.written(f))
		}
		return usagef(helpHint, "%s are one option: give it once", strings.Join(ws, " and "))
	}
	return usagef(helpHint, "%s", msg)
}

// dashed writes a suggested flag name as the user writes flags: "-json"
// when they wrote "-jsn", else "--json" (or "-s").
func (a *App) dashed(name, written string) string {
	if len(name) == 1 {
		return "-" + name
	}
	if !strings.HasPrefix(written, "--") {
		return "-" + name
	}
	return "--" + name
}
