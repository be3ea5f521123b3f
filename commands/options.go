package commands

// The options of the command line, as urfave/cli/v2 takes flags (its Flag,
// DocGenerationFlag and VisibleFlag interfaces). What urfave's own flag
// types lack, and option supplies:
//
//   - environment variables read from the environment the command runs in
//     (IO.Environ, which tests hand in): urfave's read the process's own
//     (syscall.Getenv). A global option bound to one (PREFECT_SECRETS_*)
//     shows it in help through urfave (GetEnvVars), and a bad value in it
//     is a usage error that names the variable;
//   - a repeatable flag under either name (-s A --secret B): urfave
//     refuses two forms of one flag ("Cannot use two forms"), which the
//     other options keep;
//   - whether an option was given, and where (origin): on the command line
//     or in its variable, for messages;
//   - help text wrapped under its own column: urfave wraps a flag's whole
//     line from a fixed offset;
//   - values whose errors say what was expected ("not a duration"), with a
//     hint (valueHint), where the flag package's and urfave's say "parse
//     error" or quote strconv.

import (
	"errors"
	"flag"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
)

// option is one flag of the command line.
type option struct {
	name  string
	alias string // a one-letter alias, or ""
	// usage is the help line; a word in backquotes names the value
	// (`NAME`), as with the flag package.
	usage string
	env   string // the PREFECT_SECRETS_* variable it also reads, or ""
	def   string // shown as "(default: ...)", or ""
	value flag.Value
	// repeatable: every use adds a value, under either name.
	repeatable bool
	// choices are the values completion offers; list: a comma-separated
	// list of them.
	choices []string
	list    bool
	// getenv reads the environment the command runs in (IO.lookupEnv).
	getenv func(string) (string, bool)

	given   bool // set on the command line
	fromEnv bool // set from env
}

// Names are the names urfave checks for two forms of one flag; a
// repeatable flag gives only its long name, so both forms may be mixed.
func (o *option) Names() []string {
	if o.alias == "" || o.repeatable {
		return []string{o.name}
	}
	return []string{o.name, o.alias}
}

// allNames are the names it answers to, long first.
func (o *option) allNames() []string {
	if o.alias == "" {
		return []string{o.name}
	}
	return []string{o.name, o.alias}
}

// String is the option's help line, laid out by urfave, its text wrapped:
// the lines after the first start with a tab, so that urfave's tabwriter
// lines them up under the first.
func (o *option) String() string {
	names, text, _ := strings.Cut(cli.FlagStringer(shownOption{o}), "\t")
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(line)+1+len(w) > usageWidth {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	return names + "\t" + strings.Join(append(lines, line), "\n\t")
}

// usageWidth is where an option's help text wraps.
const usageWidth = 64

// shownOption is an option as help shows it: under all its names.
type shownOption struct{ *option }

func (s shownOption) Names() []string { return s.allNames() }

// Apply registers the option on a flag set, after reading its variable
// (an empty one counts as unset): the command line, parsed next, wins.
func (o *option) Apply(set *flag.FlagSet) error {
	if err := o.readEnv(); err != nil {
		return err
	}
	for _, n := range o.allNames() {
		set.Var(givenValue{o}, n, o.usage)
	}
	return nil
}

// readEnv sets the option from its variable, if that is set and not empty.
func (o *option) readEnv() error {
	if o.env == "" || o.getenv == nil {
		return nil
	}
	v, ok := o.getenv(o.env)
	if !ok || v == "" {
		return nil
	}
	if err := o.value.Set(v); err != nil {
		return usagef(valueHint(o, o.env), "invalid value %s in %s: %v", strconv.Quote(v), o.env, err)
	}
	o.fromEnv = true
	return nil
}

// givenValue is the value the flag set parses into: it marks the option
// given.
type givenValue struct{ o *option }

func (v givenValue) String() string { return v.o.value.String() }
func (v givenValue) Set(s string) error {
	if err := v.o.value.Set(s); err != nil {
		return err
	}
	v.o.given = true
	return nil
}
func (v givenValue) IsBoolFlag() bool { return isBool(v.o.value) }

func isBool(v flag.Value) bool {
	b, ok := v.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// IsSet says whether the option was given, on the command line or in its
// variable.
func (o *option) IsSet() bool            { return o.given || o.fromEnv }
func (o *option) TakesValue() bool       { return !isBool(o.value) }
func (o *option) GetUsage() string       { return o.usage }
func (o *option) GetValue() string       { return o.value.String() }
func (o *option) GetDefaultText() string { return o.def }
func (o *option) IsVisible() bool        { return true }
func (o *option) GetEnvVars() []string {
	if o.env == "" {
		return nil
	}
	return []string{o.env}
}

// origin says where the option's value came from, for messages: "--name",
// its variable, or "" when it was not given.
func (o *option) origin() string {
	switch {
	case o.given:
		return "--" + o.name
	case o.fromEnv:
		return o.env
	}
	return ""
}

// placeholder is the name of the option's value in its usage (`NAME`), as
// the flag package reads it.
func (o *option) placeholder() string {
	name, _ := flag.UnquoteUsage(&flag.Flag{Usage: o.usage, Value: o.value})
	return name
}

// valueHint says what an option takes, for an error about its value.
func valueHint(o *option, where string) string {
	switch o.value.(type) {
	case durationValue:
		return "a duration is a number with a unit: ns, us, ms, s, m or h (e.g. 500ms, 5s, 1m30s)"
	case boolValue:
		return where + " takes true or false (also 1 or 0)"
	case intValue:
		return where + " takes a whole number"
	}
	if len(o.choices) > 0 {
		return where + " takes " + strings.Join(o.choices, ", ")
	}
	return usageHint("")
}

// The values options set, in place.

type boolValue struct{ p *bool }

func (b boolValue) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return errors.New("not true or false")
	}
	*b.p = v
	return nil
}
func (b boolValue) String() string   { return strconv.FormatBool(b.p != nil && *b.p) }
func (b boolValue) IsBoolFlag() bool { return true }

type stringValue struct{ p *string }

func (s stringValue) Set(v string) error { *s.p = v; return nil }
func (s stringValue) String() string {
	if s.p == nil {
		return ""
	}
	return *s.p
}

type durationValue struct{ p *time.Duration }

func (d durationValue) Set(s string) error {
	v, err := time.ParseDuration(s)
	if err != nil {
		return errors.New("not a duration")
	}
	*d.p = v
	return nil
}
func (d durationValue) String() string {
	if d.p == nil || *d.p == 0 {
		return ""
	}
	return d.p.String()
}

type intValue struct{ p *int }

func (n intValue) Set(s string) error {
	v, err := strconv.Atoi(s)
	if err != nil {
		return errors.New("not a whole number")
	}
	*n.p = v
	return nil
}
func (n intValue) String() string {
	if n.p == nil {
		return "0"
	}
	return strconv.Itoa(*n.p)
}

// stringList is a repeatable flag: each use adds one value, commas and all.
type stringList struct{ p *[]string }

func (s stringList) String() string {
	if s.p == nil {
		return ""
	}
	return strings.Join(*s.p, ",")
}
func (s stringList) Set(v string) error { *s.p = append(*s.p, v); return nil }
