package mask

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
)

// Leaves returns every string leaf of a structured value given as JSON
// text, however deeply nested in objects and arrays, in the order of the
// text, each named by its path from name: NAME.KEY for a key of letters,
// digits, '_' and '-', NAME["other key"] (Go-quoted, '<' and '>' as \x3c
// and \x3e, so no key can put a control character in a marker or end it
// early) for any other, NAME[0] for an
// element of an array. Numbers, booleans and null are not leaves: only a
// string can be a password. A value that is not JSON is an error.
func Leaves(name string, jsonText []byte) ([]Secret, error) {
	dec := json.NewDecoder(bytes.NewReader(jsonText))
	dec.UseNumber()
	type frame struct {
		object  bool
		wantKey bool
		key     string
		index   int
		path    string
	}
	var stack []frame
	// here is the path of the value the next token starts.
	here := func() string {
		if len(stack) == 0 {
			return name
		}
		f := stack[len(stack)-1]
		if f.object {
			return f.path + keyPath(f.key)
		}
		return f.path + "[" + strconv.Itoa(f.index) + "]"
	}
	done := func() { // a value ended
		if len(stack) > 0 {
			if f := &stack[len(stack)-1]; f.object {
				f.wantKey = true
			} else {
				f.index++
			}
		}
	}
	var out []Secret
	for tokens := 0; ; tokens++ {
		tok, err := dec.Token()
		if err == io.EOF {
			if tokens == 0 || len(stack) > 0 {
				return nil, errors.New("not JSON text: it ends early")
			}
			break
		}
		if err != nil {
			return nil, errors.New("not JSON text")
		}
		if n := len(stack); n > 0 && stack[n-1].wantKey {
			if key, ok := tok.(string); ok {
				stack[n-1].key, stack[n-1].wantKey = key, false
				continue
			}
			// Only '}' can stand where a key would (the decoder checks).
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, frame{object: true, wantKey: true, path: here()})
			case '[':
				stack = append(stack, frame{path: here()})
			default: // '}' or ']'
				stack = stack[:len(stack)-1]
				done()
			}
		case string:
			out = append(out, Secret{Name: here(), Value: []byte(t)})
			done()
		default:
			done()
		}
		if len(stack) == 0 && dec.More() {
			return nil, errors.New("not JSON text: more than one value")
		}
	}
	return out, nil
}

func keyPath(k string) string {
	plain := k != ""
	for i := 0; i < len(k) && plain; i++ {
		c := k[i]
		plain = c == '_' || c == '-' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
	}
	if plain {
		return "." + k
	}
	// '<' and '>' in Go's escapes, as JSON escapes them for HTML: a marker
	// ends at the first '>'.
	q := strings.NewReplacer("<", `\x3c`, ">", `\x3e`).Replace(strconv.Quote(k))
	return "[" + q + "]"
}

// Parts returns what is masked of a secret, before encodings, each with the
// name its marker shows: the value, each of its lines, and for a structured
// value each string leaf (see Leaves) and each line of a leaf. Parts
// shorter than a minimum are the caller's to drop. A tool that registers
// values with a masker of its own (GitHub Actions' ::add-mask::, one line
// at a time) registers these.
func Parts(s Secret) []Secret {
	var out []Secret
	add := func(name string, v []byte) {
		out = append(out, Secret{Name: name, Value: v})
		for _, l := range Lines(v) {
			out = append(out, Secret{Name: name, Value: l})
		}
	}
	add(s.Name, s.Value)
	if s.JSON {
		leaves, _ := Leaves(s.Name, s.Value)
		for _, l := range leaves {
			add(l.Name, l.Value)
		}
	}
	return out
}
