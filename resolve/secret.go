package resolve

import (
	"fmt"
)

// Redacted is what every printing path shows in place of a secret value.
const Redacted = "[redacted]"

// Secret holds a secret value. Its String, GoString, Format and MarshalJSON
// all print Redacted, so fmt verbs, logs, %+v of a struct holding one, JSON
// encoding and panics cannot show the value. Only Reveal gives the bytes, and
// only the code that writes them to stdout or into a child's environment calls
// it.
//
// The bytes are reachable only through a function value: fmt walks the
// fields of a struct it cannot call methods on (an unexported field), and
// on a bad verb it prints what a pointer points to, but it prints a func
// only as an address.
type Secret struct {
	p *sealed
}

type sealed struct {
	open   func() []byte
	isJSON bool
	public bool
}

func seal(b []byte, isJSON bool) Secret {
	b = append([]byte(nil), b...)
	remember(b, isJSON)
	return Secret{p: &sealed{open: func() []byte { return b }, isJSON: isJSON}}
}

// NewSecret wraps the text of a value. The bytes are copied.
func NewSecret(b []byte) Secret { return seal(b, false) }

// NewJSONSecret wraps a structured value (an object, a number, a boolean)
// held as its JSON text.
func NewJSONSecret(jsonText []byte) Secret { return seal(jsonText, true) }

// Reveal returns the exact bytes of the value. Callers must not keep or
// print them anywhere but their one intended destination.
func (s Secret) Reveal() []byte {
	if s.p == nil {
		return nil
	}
	return s.p.open()
}

// NewPublic wraps a value that is not a secret (a Prefect variable): it is
// sealed as a secret is, so no log or message shows it, but it is not
// masked in exec's output nor registered with CI log masking.
func NewPublic(b []byte, isJSON bool) Secret {
	s := seal(b, isJSON)
	s.p.public = true
	return s
}

// IsPublic reports whether the value is not a secret (see NewPublic).
func (s Secret) IsPublic() bool { return s.p != nil && s.p.public }

// IsJSON reports whether the value is structured and its bytes are JSON text.
func (s Secret) IsJSON() bool { return s.p != nil && s.p.isJSON }

// Len is the value's length in bytes; safe to log.
func (s Secret) Len() int { return len(s.Reveal()) }

func (s Secret) String() string   { return Redacted }
func (s Secret) GoString() string { return Redacted }

// Format covers every verb (%s, %v, %q, %x, %d, ...), so none reaches the bytes.
func (s Secret) Format(f fmt.State, verb rune) { _, _ = f.Write([]byte(Redacted)) }

func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + Redacted + `"`), nil }
func (s Secret) MarshalText() ([]byte, error) { return []byte(Redacted), nil }
