package commands

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

// commandIndex is the index in args (args[0] the program) of the command
// word, after the global flags; -1 when there is none, or an unknown global
// flag or a "--" comes first (urfave then says what is wrong).
func (a *App) commandIndex(args []string) int {
	for i := 1; i < len(args); i++ {
		w := args[i]
		if !isFlagWord(w) {
			if w == "--" {
				return -1
			}
			return i
		}
		o := a.globalOption(flagName(w))
		if o == nil {
			return -1
		}
		if takesNext(o, w) {
			i++
		}
	}
	return -1
}

// reorder moves a command's flags before its arguments, so that
// `get NAME --json` means `get --json NAME`: Go's flag package, and so
// urfave/cli/v2, stops at the first argument. Words after a "--" stay
// arguments. A global flag after the command is moved too, so that the
// command's parsing refuses it with the corrected command line (see
// flagError). exec is left as it is: everything after its first argument
// is the child's command line. So is help.
func (a *App) reorder(args []string) []string {
	ci := a.commandIndex(args)
	if ci < 0 {
		return args
	}
	cmd := a.cli.Command(args[ci])
	if cmd == nil || cmd.Name == "exec" || cmd.Name == "help" {
		return args
	}
	var flags, rest []string
	tail := args[ci+1:]
	for i := 0; i < len(tail); i++ {
		w := tail[i]
		if w == "--" {
			rest = append(rest, tail[i+1:]...)
			break
		}
		if !isFlagWord(w) {
			rest = append(rest, w)
			continue
		}
		o := lookupOption(cmd.Flags, flagName(w))
		if o == nil {
			o = a.globalOption(flagName(w))
		}
		if o == nil && cmd.Name == "set" && len(rest) > 0 {
			// set never takes a value as an argument, but a word after
			// NAME may be one a user typed: left an argument, set refuses
			// it without echoing it, where an unknown flag's error would.
			rest = append(rest, w)
			continue
		}
		flags = append(flags, w)
		if takesNext(o, w) && i+1 < len(tail) {
			i++
			flags = append(flags, tail[i])
		}
	}
	out := append(append([]string(nil), args[:ci+1]...), flags...)
	out = append(out, "--")
	return append(out, rest...)
}

// written is a flag as the user wrote it ("-timeout", "--timeout"), for
// messages about it; "--name" when it is not on the command line.
func (a *App) written(name string) string {
	for _, w := range a.args[1:] {
		if w == "--" {
			break
		}
		if isFlagWord(w) && flagName(w) == name {
			dashes := w[:len(w)-len(strings.TrimLeft(w, "-"))]
			return dashes + name
		}
	}
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// corrected is the command line with the global flags given after the
// command moved before it. For set, only NAME of its arguments is shown:
// any other may be a value typed by mistake.
func (a *App) corrected() string {
	ci := a.commandIndex(a.args)
	if ci < 0 {
		return ""
	}
	cmd := a.cli.Command(a.args[ci])
	if cmd == nil {
		return ""
	}
	var moved, rest []string
	tail := a.args[ci+1:]
	positional := 0
	for i := 0; i < len(tail); i++ {
		w := tail[i]
		if w == "--" {
			rest = append(rest, tail[i:]...)
			break
		}
		if isFlagWord(w) {
			if o := a.globalOption(flagName(w)); o != nil && lookupOption(cmd.Flags, flagName(w)) == nil {
				moved = append(moved, w)
				if takesNext(o, w) && i+1 < len(tail) {
					i++
					moved = append(moved, tail[i])
				}
				continue
			}
			rest = append(rest, w)
			if o := lookupOption(cmd.Flags, flagName(w)); takesNext(o, w) && i+1 < len(tail) {
				i++
				rest = append(rest, tail[i])
			}
			continue
		}
		if cmd.Name == "exec" { // the child's command line, as it is
			rest = append(rest, tail[i:]...)
			break
		}
		positional++
		if cmd.Name == "set" && positional > 1 {
			continue
		}
		rest = append(rest, w)
	}
	words := append(append(append(append([]string{"prefect-secrets"}, a.args[1:ci]...), moved...), a.args[ci]), rest...)
	for i, w := range words {
		words[i] = shellQuote(w)
	}
	return strings.Join(words, " ")
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
// says what to do.
func (a *App) flagError(c *cli.Context, err error, _ bool) error {
	if _, ok := err.(*UsageError); ok {
		return err
	}
	cmd := c.Command
	isRoot := cmd == nil || cmd.Name == a.cli.Name
	flags := a.cli.Flags
	helpHint := "run 'prefect-secrets --help' for the usage"
	if !isRoot {
		flags = cmd.Flags
		helpHint = "run 'prefect-secrets " + cmd.Name + " --help' for the usage"
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		w := a.written(name)
		if !isRoot && a.globalOption(name) != nil {
			return usagef("global options go before the command: "+a.corrected(), "%s is a global option: it goes before the command", w)
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
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		o := lookupOption(flags, name)
		if o == nil {
			return usagef(helpHint, "%s needs a value", a.written(name))
		}
		return usagef(helpHint, "%s needs a %s", a.written(name), o.placeholder())
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
