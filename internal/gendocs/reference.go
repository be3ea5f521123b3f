package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// reference is what the docs say: the app and its commands, read from
// the urfave/cli command tree.
type reference struct {
	name, usage, usageText, description string
	options                             []option
	commands                            []command
}

type command struct {
	name, usage, usageText, description string
	options                             []option
}

type option struct {
	names   []string // as help shows them: "--secret NAME", "-s NAME"
	usage   string
	def     string
	envVars []string
}

func load(app *cli.App) *reference {
	ref := &reference{name: app.Name, usage: app.Usage, usageText: app.UsageText, description: app.Description,
		options: options(app.VisibleFlags())}
	for _, c := range app.VisibleCommands() {
		ref.commands = append(ref.commands, command{name: c.Name, usage: c.Usage, usageText: c.UsageText,
			description: c.Description, options: options(c.VisibleFlags())})
	}
	return ref
}

func options(flags []cli.Flag) []option {
	var out []option
	for _, f := range flags {
		d, ok := f.(cli.DocGenerationFlag)
		if !ok {
			continue
		}
		// Help's own first column says how the option is written
		// ("--secret NAME, -s NAME"); the rest is taken from its parts.
		names, _, _ := strings.Cut(f.String(), "\t")
		out = append(out, option{
			names:   strings.Split(names, ", "),
			usage:   strings.ReplaceAll(d.GetUsage(), "`", ""),
			def:     d.GetDefaultText(),
			envVars: d.GetEnvVars(),
		})
	}
	return out
}

// block is a stretch of help text: a paragraph, or lines indented by two
// or more spaces (examples, tables), kept as they are.
type block struct {
	pre   bool
	lines []string
}

// blocks splits help text at blank lines and where indentation starts or
// ends; preformatted lines lose the first two spaces.
func blocks(text string) []block {
	var out []block
	open := false
	for _, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == "" {
			open = false
			continue
		}
		pre := strings.HasPrefix(line, "  ")
		if !open || out[len(out)-1].pre != pre {
			out = append(out, block{pre: pre})
			open = true
		}
		if pre {
			line = line[2:]
		}
		out[len(out)-1].lines = append(out[len(out)-1].lines, line)
	}
	return out
}
