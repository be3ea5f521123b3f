package resolve

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Prefect 2/3 addresses its blocks' fields and its variables by names of
// their own, in prefect.yaml and in work pool templates:
//
//	prefect.blocks.<block-type-slug>.<block-name>[.<key path>]
//	prefect.variables.<name>
//
// An address goes wherever a secret name goes. Only the Prefect 2/3 API
// can answer it (see AddressSource).
const (
	BlockPrefix    = "prefect.blocks."
	VariablePrefix = "prefect.variables."
)

// AddressKind says what an address names.
type AddressKind int

const (
	// BlockAddress is a block document, or a field of it.
	BlockAddress AddressKind = iota + 1
	// VariableAddress is a variable. Variables are not secrets.
	VariableAddress
)

// Address is a parsed address.
type Address struct {
	Text string // as written, the key results are given under
	Kind AddressKind
	// A block: its type's slug, the document's name, and the key path
	// into its data ("" for the whole data; HasPath tells "" from none).
	Slug, Block, Path string
	HasPath           bool
	// A variable: its name.
	Variable string
}

// IsAddress says whether name is written as an address (whether or not it
// is a well-formed one).
func IsAddress(name string) bool {
	return strings.HasPrefix(name, BlockPrefix) || strings.HasPrefix(name, VariablePrefix)
}

// ParseAddress reads an address as Prefect reads a placeholder's name: a
// block's name splits on its first two dots into slug, document name and
// key path (Prefect's .split(".", 2)); a variable's name is all the rest.
// ok is false when name is not an address at all. Every character must be
// one Prefect's placeholder grammar allows (\w, ".", "-", "[", "]", "$"),
// so an address that works here works in prefect.yaml too.
func ParseAddress(name string) (a Address, ok bool, err error) {
	if !IsAddress(name) {
		return Address{}, false, nil
	}
	a.Text = name
	bad := func(format string, args ...any) (Address, bool, error) {
		return Address{}, true, &Error{Kind: ErrBadInput, Msg: fmt.Sprintf("address %s %s", QuoteName(name), fmt.Sprintf(format, args...)),
			Hint: "an address is prefect.blocks.<block-type-slug>.<block-name>[.<key path>] or prefect.variables.<name>"}
	}
	if i := placeholderBreak(name); i >= 0 {
		r, _ := utf8.DecodeRuneInString(name[i:])
		return bad("holds %s, which Prefect's placeholders do not allow (letters, digits, _ . - [ ] $)", describeRune(r))
	}
	if rest, isVar := strings.CutPrefix(name, VariablePrefix); isVar {
		if rest == "" {
			return bad("names no variable")
		}
		a.Kind, a.Variable = VariableAddress, rest
		return a, true, nil
	}
	parts := strings.SplitN(strings.TrimPrefix(name, BlockPrefix), ".", 3)
	if len(parts) < 2 || parts[0] == "" || parts[1] == "" {
		return bad("names no block: it needs a block type's slug and a block's name")
	}
	a.Kind, a.Slug, a.Block = BlockAddress, parts[0], parts[1]
	if len(parts) == 3 {
		a.Path, a.HasPath = parts[2], true
	}
	return a, true, nil
}

// placeholderBreak is the byte offset of the first character of s that
// Prefect's placeholder grammar ([\w.\-\[\]$], Python's Unicode \w:
// letters, numbers and "_") does not allow, or -1.
func placeholderBreak(s string) int {
	for i, r := range s {
		switch {
		case r == utf8.RuneError:
			return i
		case r == '_' || r == '.' || r == '-' || r == '[' || r == ']' || r == '$':
		case unicode.IsLetter(r) || unicode.IsNumber(r):
		default:
			return i
		}
	}
	return -1
}

func describeRune(r rune) string {
	switch {
	case r == utf8.RuneError:
		return "a byte that is not UTF-8"
	case unicode.IsSpace(r):
		return "white space"
	case unicode.IsControl(r):
		return fmt.Sprintf("the control character %U", r)
	}
	return fmt.Sprintf("%q", r)
}

// CheckNameOrAddress checks what a user asks to read: an address (see
// ParseAddress) or a secret name (see CheckName).
func CheckNameOrAddress(name string) error {
	if _, ok, err := ParseAddress(name); ok {
		return err
	}
	return CheckName(name)
}

// CheckWritableName checks a name set or delete (cmd) is to write: a
// secret name, never an address, which is Prefect's to write.
func CheckWritableName(cmd, name string) error {
	if IsAddress(name) {
		return &Error{Kind: ErrUsage, Msg: fmt.Sprintf("%s cannot write %s: addresses of Prefect's blocks and variables are read-only here", cmd, QuoteName(name)),
			Hint: "change it with Prefect (the UI, prefect block/variable commands, or Block.save); set --to cloud writes a Secret block by its secret name"}
	}
	return CheckName(name)
}
