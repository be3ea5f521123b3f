// Package mask replaces secret values in a stream of output with markers
// that name them, as the output flows: it holds back only a tail that
// could still be the start of a secret, so a prompt without a newline
// appears, and a secret split across any number of writes is still found.
//
// Matching is an Aho-Corasick automaton compiled to a table indexed by
// byte class, one lookup per byte of output, so the cost does not grow
// with the number of secrets. Libraries match whole buffers; this one
// carries its state from one write to the next, which streaming needs.
package mask

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"sort"
	"sync"
)

// DefaultMinLen is the shortest value masked: shorter ones would mask
// common words and numbers all over the output.
const DefaultMinLen = 4

// Marker is what replaces an occurrence of the secret name.
func Marker(name string) string { return "<prefect-secret:" + name + ">" }

// Secret is a value to mask and the name its marker shows.
type Secret struct {
	Name  string
	Value []byte
}

// Options tune New.
type Options struct {
	// MinLen is the shortest value (and line of a value) masked;
	// DefaultMinLen when 0.
	MinLen int
}

// Masker is the compiled matcher; it is read-only and shared by Writers.
type Masker struct {
	names   []string
	classes [256]byte // byte -> class
	nclass  int
	// delta[row+class] is the next state's row (state*nclass); rows of
	// states that end a match are stored negated minus one.
	delta []int32
	depth []int32 // length of the longest pattern prefix each state stands for
	// outLen/outName: the longest pattern that ends in this state.
	outLen  []int32
	outName []int32
	maxLen  int
	// The skip filter: every occurrence of a pattern (all at least minLen
	// long) contains a 4-byte window starting at a stream offset that is
	// a multiple of step; grams has a bit for every 4 bytes found in any
	// pattern. Where no sampled window's bit is set, no occurrence can be,
	// and the exact scan skips the bytes. step is 0 when patterns are too
	// short for sampling to pay.
	step  int
	grams []uint64
	// The table is built on the first write long enough to sample: a
	// command that prints little never pays for its 512 KiB.
	gramsOnce sync.Once
	sources   [][]byte
}

func (m *Masker) buildGrams() {
	m.grams = make([]uint64, 1<<(gramBits-6))
	for _, b := range m.sources {
		for i := 0; i+4 <= len(b); i++ {
			h := gramHash(le32(b[i:]))
			m.grams[h>>6] |= 1 << (h & 63)
		}
	}
}

const gramBits = 22 // 4 Mbit, 512 KiB: few false hits even with 1000 secrets

func gramHash(g uint32) uint32 { return (g * 2654435761) >> (32 - gramBits) }

func (m *Masker) hasGram(g uint32) bool {
	h := gramHash(g)
	return m.grams[h>>6]&(1<<(h&63)) != 0
}

// variants are the forms of a value that are masked: the value, each of
// its lines, and their common encodings.
func variants(v []byte, minLen int) [][]byte {
	var out [][]byte
	seen := make(map[string]bool)
	add := func(b []byte) {
		if len(b) >= minLen && !seen[string(b)] {
			seen[string(b)] = true
			out = append(out, b)
		}
	}
	forms := [][]byte{v}
	if bytes.ContainsAny(v, "\r\n") {
		for _, line := range bytes.FieldsFunc(v, func(r rune) bool { return r == '\n' || r == '\r' }) {
			forms = append(forms, line)
		}
	}
	for _, f := range forms {
		add(f)
		// Padding is not secret: the unpadded forms cover what matters.
		add([]byte(base64.RawStdEncoding.EncodeToString(f)))
		add([]byte(base64.RawURLEncoding.EncodeToString(f)))
		add([]byte(url.QueryEscape(string(f))))
		add([]byte(url.PathEscape(string(f))))
		if j, err := json.Marshal(string(f)); err == nil {
			add(j[1 : len(j)-1])
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if enc.Encode(string(f)) == nil {
			j := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
			add(append([]byte(nil), j[1:len(j)-1]...))
		}
	}
	return out
}

// New compiles the matcher. It returns the names of secrets whose values
// are too short to mask.
func New(secrets []Secret, opts Options) (*Masker, []string) {
	minLen := opts.MinLen
	if minLen <= 0 {
		minLen = DefaultMinLen
	}
	m := &Masker{}
	var tooShort []string
	type pattern struct {
		b    []byte
		name int32
	}
	var patterns []pattern
	seen := make(map[string]bool)
	for _, s := range secrets {
		if len(s.Value) < minLen {
			tooShort = append(tooShort, s.Name)
			continue
		}
		idx := int32(len(m.names))
		m.names = append(m.names, s.Name)
		for _, v := range variants(s.Value, minLen) {
			if !seen[string(v)] {
				seen[string(v)] = true
				patterns = append(patterns, pattern{v, idx})
			}
		}
	}
	sort.Strings(tooShort)

	minPat := 0
	for _, p := range patterns {
		if minPat == 0 || len(p.b) < minPat {
			minPat = len(p.b)
		}
	}
	if minPat >= 8 {
		m.step = minPat - 3
		for _, p := range patterns {
			m.sources = append(m.sources, p.b)
		}
	}

	// Byte classes: each byte that occurs in a pattern has its own class;
	// every other byte shares class 0.
	m.nclass = 1
	for _, p := range patterns {
		for _, c := range p.b {
			if m.classes[c] == 0 {
				m.classes[c] = byte(m.nclass)
				m.nclass++
			}
		}
	}
	// A trie (goto function) in the table, then failure links in BFS order.
	// The trie has at most one state per pattern byte, plus the root: the
	// table is allocated once.
	maxStates := 1
	for _, p := range patterns {
		maxStates += len(p.b)
	}
	const none = -1
	m.delta = make([]int32, m.nclass, maxStates*m.nclass)
	m.depth = make([]int32, 1, maxStates)
	m.outLen = make([]int32, 1, maxStates)
	m.outName = append(make([]int32, 0, maxStates), -1)
	newState := func(d int32) int32 {
		m.delta = m.delta[:len(m.delta)+m.nclass]
		m.depth = append(m.depth, d)
		m.outLen = append(m.outLen, 0)
		m.outName = append(m.outName, -1)
		return int32(len(m.depth) - 1)
	}
	for i := range m.delta {
		m.delta[i] = none
	}
	for _, p := range patterns {
		s := int32(0)
		for _, c := range p.b {
			i := int(s)*m.nclass + int(m.classes[c])
			if m.delta[i] == none {
				n := newState(m.depth[s] + 1)
				for j := int(n) * m.nclass; j < int(n+1)*m.nclass; j++ {
					m.delta[j] = none
				}
				m.delta[i] = n
			}
			s = m.delta[i]
		}
		if int32(len(p.b)) > m.outLen[s] {
			m.outLen[s], m.outName[s] = int32(len(p.b)), p.name
		}
		m.maxLen = max(m.maxLen, len(p.b))
	}
	fail := make([]int32, len(m.depth))
	queue := make([]int32, 0, len(m.depth))
	for c := 0; c < m.nclass; c++ {
		if n := m.delta[c]; n == none {
			m.delta[c] = 0
		} else {
			fail[n] = 0
			queue = append(queue, n)
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		// The longest pattern ending here is this state's own or its
		// failure state's, whichever is longer.
		if f := fail[s]; m.outLen[f] > m.outLen[s] {
			m.outLen[s], m.outName[s] = m.outLen[f], m.outName[f]
		}
		for c := 0; c < m.nclass; c++ {
			i := int(s)*m.nclass + c
			n := m.delta[i]
			if n == none {
				m.delta[i] = m.delta[int(fail[s])*m.nclass+c]
				continue
			}
			fail[n] = m.delta[int(fail[s])*m.nclass+c]
			queue = append(queue, n)
		}
	}
	// The table holds next states premultiplied by nclass (a row offset,
	// so the scan loop does no multiplication), negated minus one where
	// the next state ends a match (so it tests one sign).
	for i, n := range m.delta {
		t := n * int32(m.nclass)
		if m.outLen[n] > 0 {
			t = -t - 1
		}
		m.delta[i] = t
	}
	return m, tooShort
}

// Empty reports whether there is nothing to mask.
func (m *Masker) Empty() bool { return m.maxLen == 0 }

func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}
