package commands

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// completeCommand starts a completion request:
// `prefect-secrets __complete WORDS... CURRENT`, where WORDS are the words
// after the program and CURRENT the word being completed (maybe empty). In
// first place it cannot be part of a command line that runs something (as
// urfave's --generate-bash-completion at the end can: it may end exec's
// command), and the request is answered before urfave parses anything, so
// no command ever runs for a completion.
const completeCommand = "__complete"

// Completion looks secret names up in the context and the keyring only,
// the keyring within namesTimeout whatever --timeout says; the Prefect API
// only when --sources (or PREFECT_SECRETS_SOURCES) names it, within
// apiNamesTimeout.
const (
	namesTimeout    = 300 * time.Millisecond
	apiNamesTimeout = 2 * time.Second
)

var shells = []string{"bash", "zsh", "fish", "powershell"}

// filesMarker, alone on its line, asks the script for the shell's own
// completion of file names (the value of an option whose value is a FILE).
// No secret name can be it: a name never holds "__".
const filesMarker = "__files__"

func completionCommand(a *App) *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script: bash, zsh, fish or powershell",
		UsageText: "prefect-secrets completion bash|zsh|fish|powershell",
		Description: `Prints a script that makes the shell complete prefect-secrets' commands,
options, the values of --sources, --to, --from and --format, file names for
an option's FILE, and secret names for get, explain, delete, exec -s and
export -s. Names come from the local context and the keyring (given at most
300ms); the Prefect API is asked only when --sources names it (cloud), given
at most 2s. Then, where get, explain, exec -s and export -s take a name,
a word that could start an address (p, pre..., prefect.blocks....) is
completed with the addresses of the blocks' secret fields too, as list
--blocks names them. A completion never shows a value.

Install it once:
  bash:        prefect-secrets completion bash > ~/.local/share/bash-completion/completions/prefect-secrets
               (or add to ~/.bashrc: source <(prefect-secrets completion bash))
  zsh:         prefect-secrets completion zsh > "${fpath[1]}/_prefect-secrets"
               (or add to ~/.zshrc, after compinit: source <(prefect-secrets completion zsh))
  fish:        prefect-secrets completion fish > ~/.config/fish/completions/prefect-secrets.fish
  powershell:  prefect-secrets completion powershell >> $PROFILE

Examples:
  source <(prefect-secrets completion bash)
  prefect-secrets completion fish > ~/.config/fish/completions/prefect-secrets.fish`,
		Action: func(c *cli.Context) error {
			args := c.Args().Slice()
			if len(args) != 1 {
				return usagef("usage: prefect-secrets completion bash|zsh|fish|powershell", "completion takes one shell: %s", strings.Join(shells, ", "))
			}
			script, ok := completionScript(args[0])
			if !ok {
				hint := "usage: prefect-secrets completion bash|zsh|fish|powershell"
				// A typo keeps its first letter (bsh): tcsh and ksh are
				// shells of their own, not bash or zsh mistyped.
				if s := closest(args[0], shells); s != "" && strings.HasPrefix(args[0], s[:1]) {
					hint = "did you mean " + s + "? " + hint
				}
				return usagef(hint, "no completion for shell %q: the shells are %s and %s",
					args[0], strings.Join(shells[:len(shells)-1], ", "), shells[len(shells)-1])
			}
			_, err := fmt.Fprint(a.io.Out, script)
			return err
		},
	}
}

// complete answers a completion request. words are the command line after
// the program; the last is the word being completed. It prints the
// candidates, one a line: commands, options, option values, secret names.
func (a *App) complete(words []string) error {
	if len(words) == 0 {
		return nil
	}
	cur := words[len(words)-1]
	words = words[:len(words)-1]
	a.cli.Setup()
	for _, f := range a.cli.Flags {
		if o, ok := f.(*option); ok {
			_ = o.readEnv() // a bad value only costs what it would change
		}
	}

	g := a.g
	var cmd *cli.Command
	flags := a.cli.Flags
	var pending *option // the option whose value cur is
	args := 0           // the command's arguments before cur
	for _, w := range words {
		switch {
		case pending != nil:
			a.completionSetting(pending, w)
			pending = nil
		case w == "--":
			return nil // exec's command line: the shell completes it
		case isFlagWord(w):
			o := lookupOption(flags, flagName(w))
			if takesNext(o, w) {
				pending = o
			} else if _, v, ok := strings.Cut(w, "="); ok && o != nil {
				a.completionSetting(o, v)
			}
		case cmd == nil:
			if cmd = a.cli.Command(w); cmd == nil {
				return nil
			}
			flags = cmd.Flags
		case cmd.Name == "exec":
			return nil // past exec's first argument: the child's command line
		default:
			args++
		}
	}
	valueOf := pending
	if isFlagWord(cur) && strings.Contains(cur, "=") {
		name, _, _ := strings.Cut(cur, "=")
		valueOf = lookupOption(flags, flagName(name))
	}
	if valueOf != nil && valueOf.placeholder() == "FILE" {
		fmt.Fprintln(g.io.Out, filesMarker)
		return nil
	}
	var out []string
	switch {
	case pending != nil:
		out = a.optionValues(pending, cur, "")
	case isFlagWord(cur) && strings.Contains(cur, "="):
		name, value, _ := strings.Cut(cur, "=")
		out = a.optionValues(lookupOption(flags, flagName(name)), value, name+"=")
	case strings.HasPrefix(cur, "-"):
		for _, f := range flags {
			if o, ok := f.(*option); ok {
				out = append(out, "--"+o.name)
			}
		}
	case cmd == nil:
		for _, c := range a.cli.Commands {
			out = append(out, c.Name)
		}
	case args > 0:
	case cmd.Name == "get" || cmd.Name == "explain":
		out = a.secretNames(cur)
	case cmd.Name == "delete": // addresses are Prefect's to write
		out = a.secretNames("")
	case cmd.Name == "help":
		for _, c := range a.cli.Commands {
			out = append(out, c.Name)
		}
	case cmd.Name == "completion":
		out = shells
	}
	for _, c := range out {
		if strings.HasPrefix(c, cur) {
			fmt.Fprintln(g.io.Out, c)
		}
	}
	return nil
}

// completionSetting takes in an option given before the word being
// completed, as far as it changes the names offered.
func (a *App) completionSetting(o *option, value string) {
	switch o.name {
	case "sources", "keyring-service", "api-url", "allow-insecure-http":
		if o.value.Set(value) == nil {
			o.given = true
		}
	}
}

// optionValues are the completions of an option's value: prefix (e.g.
// "--sources=") followed by each candidate.
func (a *App) optionValues(o *option, value, prefix string) []string {
	if o == nil {
		return nil
	}
	var out []string
	switch {
	case o.name == "secret": // exec -s NAME or -s VAR=NAME
		varPart, name := "", value
		if v, rest, ok := strings.Cut(value, "="); ok {
			varPart, name = v+"=", rest
		}
		for _, n := range a.secretNames(name) {
			out = append(out, prefix+varPart+n)
		}
	case o.list: // --sources a,b,<cur>
		done := ""
		if i := strings.LastIndex(value, ","); i >= 0 {
			done = value[:i+1]
		}
		have := strings.Split(done, ",")
		for _, c := range o.choices {
			if !slices.Contains(have, c) {
				out = append(out, prefix+done+c)
			}
		}
	default:
		for _, c := range o.choices {
			out = append(out, prefix+c)
		}
	}
	return out
}

// secretNames are the names completion offers: from the context and the
// keyring, and from the API when --sources names it; with the API, when
// cur (the name being completed; "" where no address goes) could start
// an address, the addresses of the blocks' secret fields too (as list
// --blocks names them), within the API's same deadline. Failures only
// cost names.
func (a *App) secretNames(cur string) []string {
	g := a.g
	g.sourcesFrom = a.sources.origin()
	order, explicit, err := g.sourceOrder()
	if err != nil {
		return nil
	}
	var names []string
	for _, src := range order {
		if src == "cloud" && !explicit {
			continue
		}
		timeout := namesTimeout
		if src == "cloud" {
			timeout = apiNamesTimeout
		}
		// Whatever --timeout or PREFECT_SECRETS_TIMEOUT says: the source is
		// made (once) with this deadline on each of its calls.
		g.timeout, g.timeoutSet = timeout, true
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		got, err := g.source(src).Names(ctx)
		if err == nil {
			names = append(names, got...)
		}
		if src == "cloud" && cur != "" && (strings.HasPrefix(cur, resolve.BlockPrefix) || strings.HasPrefix(resolve.BlockPrefix, cur)) {
			fields, _, err := g.cloud().BlockFields(ctx)
			for _, f := range fields {
				if err == nil && !strings.Contains(f.Address, "$") { // a shell would expand it
					names = append(names, f.Address)
				}
			}
		}
		cancel()
	}
	slices.Sort(names)
	names = slices.Compact(names)
	// Only names a command takes; no control characters reach the shell.
	return slices.DeleteFunc(names, func(n string) bool { return resolve.CheckNameOrAddress(n) != nil })
}
