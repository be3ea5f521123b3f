package deploy

import (
	"errors"
	"fmt"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// prefect.yaml is read as Prefect reads it: yaml.safe_load (PyYAML, YAML
// 1.1: yes and on are booleans, 0777 is octal, 1:30 is 90, anchors,
// aliases and << merge keys), then pydantic's model_dump(mode="json").
// The parser (goccy/go-yaml) gives the document's structure and each
// plain scalar's text; what a plain scalar is (pyyaml.go) is decided here,
// by PyYAML's rules, not by the parser's YAML 1.2 ones.

// Pos is where a node starts in the file.
type Pos struct{ Line, Col int }

// ymap is a YAML mapping: its string keys in order, with their values and
// where each key is. A key that is no string in YAML 1.1 (yes, 1, null)
// is kept apart, in odd, since prefect.yaml's keys are names.
type ymap struct {
	keys []string
	vals map[string]any
	pos  map[string]Pos
	odd  []Pos
	at   Pos
}

func (m *ymap) get(k string) (any, bool) {
	v, ok := m.vals[k]
	return v, ok
}

// set gives k its value; a key given again keeps its place and takes the
// later value, as PyYAML's dict does.
func (m *ymap) set(k string, v any, p Pos) {
	if _, ok := m.vals[k]; !ok {
		m.keys = append(m.keys, k)
	}
	m.vals[k], m.pos[k] = v, p
}

func newMap(at Pos) *ymap {
	return &ymap{vals: map[string]any{}, pos: map[string]Pos{}, at: at}
}

// ylist is a YAML sequence.
type ylist struct {
	items []any
	at    Pos
}

// syntaxError is a place in the file and what is wrong there; it never
// quotes the file's text.
type syntaxError struct {
	Pos
	msg string
}

func (e *syntaxError) Error() string { return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.msg) }

// parseYAML reads a prefect.yaml into values: *ymap, *ylist, string,
// bool, json.Number (an int's digits, or a float as Go's 'e' format, so
// it reads back as a float), date (a YAML date) and nil. Only the first
// document counts, as for safe_load (which refuses more than one).
func parseYAML(data []byte) (any, error) {
	f, err := parser.ParseBytes(data, 0, parser.AllowDuplicateMapKey())
	if err != nil {
		var se interface {
			GetMessage() string
			GetToken() *token.Token
		}
		if errors.As(err, &se) && se.GetToken() != nil && se.GetToken().Position != nil {
			p := se.GetToken().Position
			return nil, &syntaxError{Pos{p.Line, p.Column}, firstLine(se.GetMessage())}
		}
		return nil, &syntaxError{Pos{1, 1}, "not YAML"}
	}
	if len(f.Docs) == 0 || f.Docs[0].Body == nil {
		return nil, nil
	}
	if len(f.Docs) > 1 {
		return nil, &syntaxError{posOf(f.Docs[1].Body), "a second YAML document: prefect.yaml holds one"}
	}
	c := &converter{anchors: map[string]any{}}
	return c.value(f.Docs[0].Body)
}

// firstLine keeps a parser's message to its first line and a bounded
// length: it is the parser's words, never the file's.
func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 120 {
		s = s[:120]
	}
	return s
}

func posOf(n ast.Node) Pos {
	if n == nil {
		return Pos{1, 1}
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return Pos{1, 1}
	}
	return Pos{tk.Position.Line, tk.Position.Column}
}

// converter turns the parser's nodes into values, remembering each
// anchor's value for the aliases after it.
type converter struct {
	anchors map[string]any
	depth   int
}

// maxDepth bounds nesting: a hostile file must not exhaust the stack.
const maxDepth = 200

func (c *converter) value(n ast.Node) (any, error) {
	c.depth++
	defer func() { c.depth-- }()
	if c.depth > maxDepth {
		return nil, &syntaxError{posOf(n), fmt.Sprintf("nested more than %d deep", maxDepth)}
	}
	switch x := n.(type) {
	case *ast.MappingNode:
		return c.mapping(x)
	case *ast.MappingValueNode:
		m := newMap(posOf(x))
		return m, c.entry(m, x)
	case *ast.SequenceNode:
		l := &ylist{at: posOf(x)}
		for _, item := range x.Values {
			v, err := c.value(item)
			if err != nil {
				return nil, err
			}
			l.items = append(l.items, v)
		}
		return l, nil
	case *ast.AnchorNode:
		v, err := c.value(x.Value)
		if err != nil {
			return nil, err
		}
		c.anchors[x.Name.GetToken().Value] = v
		return v, nil
	case *ast.AliasNode:
		name := x.Value.GetToken().Value
		v, ok := c.anchors[name]
		if !ok {
			return nil, &syntaxError{posOf(x), fmt.Sprintf("alias *%s comes before any anchor &%s", name, name)}
		}
		return v, nil
	case *ast.TagNode:
		return c.tagged(x)
	case *ast.LiteralNode:
		return x.Value.Value, nil
	case *ast.MergeKeyNode:
		return "<<", nil
	case nil:
		return nil, nil
	}
	tk := n.GetToken()
	if tk == nil {
		return nil, &syntaxError{posOf(n), "a node prefect.yaml cannot hold"}
	}
	if tk.Type == token.SingleQuoteType || tk.Type == token.DoubleQuoteType {
		return tk.Value, nil
	}
	if _, isNull := n.(*ast.NullNode); isNull && tk.Type == token.ImplicitNullType {
		return nil, nil
	}
	v, err := plainScalar(tk.Value)
	if err != nil {
		return nil, &syntaxError{posOf(n), err.Error()}
	}
	return v, nil
}

func (c *converter) mapping(x *ast.MappingNode) (any, error) {
	m := newMap(posOf(x))
	var merges []ast.Node
	for _, kv := range x.Values {
		if _, isMerge := kv.Key.(*ast.MergeKeyNode); isMerge {
			merges = append(merges, kv.Value)
			continue
		}
		if err := c.entry(m, kv); err != nil {
			return nil, err
		}
	}
	for _, mv := range merges {
		if err := c.merge(m, mv); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// merge adds what a << merge key names (a mapping, or a list of them,
// earlier ones first) for the keys m does not have itself, as PyYAML's
// flatten_mapping does.
func (c *converter) merge(m *ymap, n ast.Node) error {
	v, err := c.value(n)
	if err != nil {
		return err
	}
	var sources []*ymap
	switch s := v.(type) {
	case *ymap:
		sources = []*ymap{s}
	case *ylist:
		for _, item := range s.items {
			sm, ok := item.(*ymap)
			if !ok {
				return &syntaxError{posOf(n), "a << merge key's list may hold only mappings"}
			}
			sources = append(sources, sm)
		}
	default:
		return &syntaxError{posOf(n), "a << merge key needs a mapping or a list of mappings"}
	}
	for _, s := range sources {
		for _, k := range s.keys {
			if _, own := m.vals[k]; !own {
				m.set(k, s.vals[k], s.pos[k])
			}
		}
		m.odd = append(m.odd, s.odd...)
	}
	return nil
}

func (c *converter) entry(m *ymap, kv *ast.MappingValueNode) error {
	k, err := c.value(kv.Key)
	if err != nil {
		return err
	}
	v, err := c.value(kv.Value)
	if err != nil {
		return err
	}
	key, isString := k.(string)
	if !isString {
		m.odd = append(m.odd, posOf(kv.Key))
		return nil
	}
	m.set(key, v, posOf(kv.Key))
	return nil
}

// tagged is a value with an explicit tag: the standard scalar tags as
// PyYAML's SafeLoader constructs them; any other tag is refused, as
// safe_load refuses it.
func (c *converter) tagged(x *ast.TagNode) (any, error) {
	tag := x.Start.Value
	switch token.ReservedTagKeyword(tag) {
	case token.MappingTag, token.SequenceTag:
		return c.value(x.Value)
	case token.StringTag, token.IntegerTag, token.FloatTag, token.BooleanTag, token.NullTag:
	default:
		return nil, &syntaxError{posOf(x), fmt.Sprintf("tag %s, which Prefect's yaml.safe_load does not construct", tag)}
	}
	tk := x.Value.GetToken()
	if tk == nil {
		return nil, &syntaxError{posOf(x), fmt.Sprintf("tag %s on a value that is no scalar", tag)}
	}
	text := tk.Value
	if _, isNull := x.Value.(*ast.NullNode); isNull && tk.Type == token.ImplicitNullType {
		text = ""
	}
	v, err := taggedScalar(tag, text)
	if err != nil {
		return nil, &syntaxError{posOf(x), err.Error()}
	}
	return v, nil
}
