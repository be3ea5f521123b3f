// Package inject decides which variable of a child process gets which
// secret, from the ways a user asks: -s NAME or -s VAR=NAME, the lines of
// reference files (--env-file), references in the caller's environment
// (VAR=prefect-secret://NAME), and a deployment's environment (exec
// --deployment: internal/deploy makes those definitions). It owns their
// precedence, as the type Given, and the child's environment built from
// the values. It resolves nothing and prints nothing: commands asks the
// sources for Names and hands the values back to ChildEnv.
package inject

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// Given is how a definition was given. Where two definitions name the same
// variable, the higher Given wins; between two lines of reference files,
// the later one.
type Given int

const (
	// ByDeployment is a variable of a deployment's environment (exec
	// --deployment): everything else the user gives adds to it.
	ByDeployment Given = iota
	// ByEnvironment is a reference in the caller's environment:
	// VAR=prefect-secret://NAME.
	ByEnvironment
	// ByFile is a line of a reference file.
	ByFile
	// ByFlag is -s NAME or -s VAR=NAME.
	ByFlag
)

// Definition is one variable the child gets: Var=<value of secret Name>,
// Var=Value for a plain value (a reference file's VAR=text), or, for a
// deployment's variable, Var=its Parts put together.
type Definition struct {
	Var    string
	Name   string // the secret; "" for a plain value and for Parts
	Plain  bool
	Value  string // the plain value, which is no secret
	Given  Given
	Origin string // where it was asked for, for messages: "-s VAR=NAME", "FILE:LINE", "reference in $VAR"
	// Parts is a deployment's value in pieces (nil for every other
	// definition): with no Address among them the definition is Plain,
	// Value their text; else its value is made when the addresses are
	// resolved (see Render).
	Parts []Part
}

// Part is a piece of a deployment's value: literal text, or an address
// (a block's field or a variable) whose value goes in its place as
// Prefect puts a placeholder's value inside text (Python's str()).
type Part struct {
	Text    string // literal text (no secret): the value's own, or what From gave
	Address string // a block or variable address; its value goes here
	// From says, for explain, what gave Text when it is not the value's
	// own text: "$HOME", "job variable working_dir".
	From string
}

// Addresses are the addresses among d's Parts, each once.
func (d Definition) Addresses() []string {
	var out []string
	for _, p := range d.Parts {
		if p.Address != "" && !slices.Contains(out, p.Address) {
			out = append(out, p.Address)
		}
	}
	return out
}

// Needs are the names and addresses d's value needs from the sources.
func (d Definition) Needs() []string {
	switch {
	case d.Plain:
		return nil
	case d.Parts != nil:
		return d.Addresses()
	}
	return []string{d.Name}
}

// Request is what a command was asked to inject.
type Request struct {
	Flags []string // -s values, in order: NAME or VAR=NAME
	Files []string // reference files, in order
	// Environ is the caller's environment, whose references are
	// definitions too; nil for a command that reads none (export, list).
	Environ []string
	// Deployment are a deployment's variables (ByDeployment), the
	// lowest: everything else adds to them.
	Deployment []Definition
	// Log, if set, is told which of two definitions of a variable won.
	Log func(format string, args ...any)
}

// Gather checks and collects every definition of r, before anything is
// resolved: a malformed -s, a bad line or name in a file, or a bad name in
// a reference is an error naming where it was. Definitions come in the
// order they were first given: -s, then files, then the environment's
// references sorted by variable.
func Gather(r Request) ([]Definition, error) {
	s := &set{log: r.Log, byVar: make(map[string]int)}
	for _, f := range r.Flags {
		d, err := parseFlag(f)
		if err != nil {
			return nil, err
		}
		if err := s.add(d); err != nil {
			return nil, err
		}
	}
	fromFiles, err := ReadFiles(r.Files)
	if err != nil {
		return nil, err
	}
	for _, d := range fromFiles {
		if err := s.add(d); err != nil {
			return nil, err
		}
	}
	refs, err := environmentRefs(r.Environ)
	if err != nil {
		return nil, err
	}
	for _, d := range append(refs, r.Deployment...) {
		if err := s.add(d); err != nil {
			return nil, err
		}
	}
	return s.defs, nil
}

// set holds one definition per variable.
type set struct {
	defs  []Definition
	byVar map[string]int
	log   func(format string, args ...any)
}

func (s *set) logf(format string, args ...any) {
	if s.log != nil {
		s.log(format, args...)
	}
}

// add keeps d, unless its variable is defined already: then the higher
// Given wins, a later file line wins over an earlier one, the same
// definition twice is one, and two -s for one variable are an error.
func (s *set) add(d Definition) error {
	i, dup := s.byVar[d.Var]
	if !dup {
		s.byVar[d.Var] = len(s.defs)
		s.defs = append(s.defs, d)
		return nil
	}
	old := s.defs[i]
	switch {
	case old.Name == d.Name && old.Plain == d.Plain && old.Value == d.Value && old.Parts == nil && d.Parts == nil:
		return nil
	case old.Given > d.Given:
		s.logf("$%s: %s wins over %s", d.Var, old.Origin, d.Origin)
		return nil
	case old.Given == d.Given && d.Given == ByFile:
		s.logf("$%s: %s wins over %s, a later definition", d.Var, d.Origin, old.Origin)
		s.defs[i] = d
		return nil
	}
	return &resolve.Error{Kind: resolve.ErrUsage, Msg: fmt.Sprintf("variable %s is asked for twice: %s and %s", d.Var, old.Origin, d.Origin),
		Hint: "give each variable one secret"}
}

// flagHint is the hint of every malformed -s.
const flagHint = "use -s NAME, or -s VAR=NAME to inject secret NAME as variable VAR"

// parseFlag reads one -s value: NAME, or VAR=NAME.
func parseFlag(s string) (Definition, error) {
	varName, name, hasVar := strings.Cut(s, "=")
	if !hasVar {
		name, varName = s, s
	}
	bad := func(format string, args ...any) error {
		return &resolve.Error{Kind: resolve.ErrUsage, Msg: fmt.Sprintf(format, args...), Hint: flagHint}
	}
	switch {
	case s == "":
		return Definition{}, bad("malformed -s: it is empty")
	case hasVar && varName == "":
		return Definition{}, bad("malformed -s %s: the variable name before \"=\" is empty", resolve.QuoteName(s))
	case hasVar && name == "":
		return Definition{}, bad("malformed -s %s: the secret name after \"=\" is empty", resolve.QuoteName(s))
	case hasVar && strings.Contains(name, "="):
		return Definition{}, bad("malformed -s %s: more than one \"=\"", resolve.QuoteName(s))
	}
	if err := CheckVar(varName); err != nil {
		return Definition{}, bad("malformed -s %s: %v", resolve.QuoteName(s), err)
	}
	if err := resolve.CheckNameOrAddress(name); err != nil {
		return Definition{}, err
	}
	return Definition{Var: varName, Name: name, Given: ByFlag, Origin: "-s " + s}, nil
}

// environmentRefs are the definitions of the caller's variables whose
// whole value is a reference, sorted by variable.
func environmentRefs(environ []string) ([]Definition, error) {
	var refs []Definition
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		name, isRef := resolve.ParseRef(v)
		if !isRef {
			continue
		}
		if err := resolve.CheckNameOrAddress(name); err != nil {
			return nil, fmt.Errorf("reference in $%s: %w", k, err)
		}
		refs = append(refs, Definition{Var: k, Name: name, Given: ByEnvironment, Origin: "reference in $" + k})
	}
	sort.Slice(refs, func(i, j int) bool { return refs[i].Var < refs[j].Var })
	return refs, nil
}

// CheckVar checks a variable name the child's environment can hold.
func CheckVar(v string) error {
	for _, r := range v {
		if r <= ' ' || r == 0x7f || r == '=' {
			return fmt.Errorf("variable name %s holds a space or control character", resolve.QuoteName(v))
		}
	}
	return nil
}

// Names lists the secrets the definitions need, without plain values.
func Names(defs []Definition) []string {
	names := make([]string, 0, len(defs))
	for _, d := range defs {
		names = append(names, d.Needs()...)
	}
	return names
}

// ByPrecedence orders definitions lowest Given first (the environment's,
// then the files' in their order, then -s), keeping the order within each:
// the order export writes them in.
func ByPrecedence(defs []Definition) {
	sort.SliceStable(defs, func(i, j int) bool { return defs[i].Given < defs[j].Given })
}

// MissingError adds to the not-found error which flag, reference or file
// asked for each missing name, and what was therefore not done.
func MissingError(err error, defs []Definition, missing []string, notDone string) error {
	var e *resolve.Error
	if len(missing) == 0 || !errors.As(err, &e) {
		return err
	}
	var asked []string
	for _, d := range defs {
		if slices.ContainsFunc(d.Needs(), func(n string) bool { return slices.Contains(missing, n) }) {
			asked = append(asked, d.Origin)
		}
	}
	e.Msg += "; asked for by " + strings.Join(asked, ", ") + "; " + notDone
	return e
}
