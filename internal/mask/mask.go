// Package mask replaces secret values in a stream of output with markers
// that name them, as the output flows: it holds back only a tail that
// could still be the start of a secret, so a prompt without a newline
// appears, and a secret split across any number of writes is still found.
//
// Every masked form of a value (a pattern) begins with an anchor, its
// first few bytes (at most 8). The scan keeps the last 8 bytes of the
// stream in a register and looks each position's anchor up in a bitset;
// a pattern longer than its anchor is then followed byte by byte from
// where the anchor matched (KMP, for the rare pattern whose anchor recurs
// inside it). Memory is the patterns' own bytes plus a few words each,
// whatever their length or number, and the cost of a byte does not grow
// with the number of secrets. A skip filter in front keeps the scan to
// the stretches of output where an occurrence can be. Libraries match
// whole buffers; this one carries its state from one write to the next,
// which streaming needs.
package mask

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"math/bits"
	"slices"
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
	// JSON marks a structured value held as its JSON text (an object or
	// an array, as resolve.Secret.IsJSON says): each string leaf in it is
	// masked too, as a secret of its own named by its path (see Leaves).
	JSON bool
}

// Options tune New.
type Options struct {
	// MinLen is the shortest value (and line of a value, and string leaf
	// of a structured value) masked; DefaultMinLen when 0.
	MinLen int
	// Marker is what replaces an occurrence of the secret name; Marker
	// (the function) when nil. An error message redacts with one marker
	// for every name.
	Marker func(name string) string
}

// maxAnchor is the longest anchor: it fits the 8-byte register.
const maxAnchor = 8

// Masker is the compiled matcher; it is read-only and shared by Writers.
type Masker struct {
	// markers[i] replaces an occurrence of the i-th secret masked.
	markers []string
	// pats are the distinct patterns, sorted by their bytes: those that
	// share an anchor are adjacent.
	pats []pattern
	// Every pattern is at least anchorLen bytes long; its first anchorLen
	// bytes, read big-endian, are its anchor. anchors holds each distinct
	// anchor once, sorted; the patterns with anchors[i] are
	// pats[first[i]:first[i+1]].
	anchorLen int
	amask     uint64
	anchors   []uint64
	first     []int32
	// abits has a bit for the hash of every anchor; most positions of the
	// output are turned down by this one lookup.
	abits  []uint64
	ashift uint
	// starts1 and starts2 have a bit for each anchor's first byte and first
	// two bytes: most ends of a write are told they start no anchor
	// without a search.
	starts1 [4]uint64
	starts2 []uint64
	maxLen  int

	// The skip filter: every occurrence of a pattern contains a 4-byte
	// window starting at a stream offset that is a multiple of step, and
	// that window lies in the pattern's first step+3 bytes; grams has a
	// bit for every 4 bytes found there in any pattern. Where no sampled
	// window's bit is set, no occurrence can start, and the scan skips the
	// bytes. step is 0 when patterns are too short for sampling to pay.
	step int
	// The table is built on the first write long enough to sample: a
	// command that prints little never pays for its 512 KiB. gramsUseful
	// is false when so many bits are set that the filter would not skip.
	gramsOnce   sync.Once
	grams       []uint64
	gramsUseful bool

	// fails are the KMP failure functions of periodic patterns, built the
	// first time one is followed.
	failMu sync.Mutex
	fails  map[int32][]int32
}

// pattern is one masked byte string and the secret its marker names.
type pattern struct {
	b    []byte
	name int32
	// periodic: the anchor occurs again inside the pattern, so a match
	// can overlap the next one and following it needs KMP's fallback.
	periodic bool
}

const gramBits = 22 // 4 Mbit, 512 KiB: few false hits even with 1000 secrets

// gramSpan bounds how much of each pattern goes into the skip filter
// (step+3 bytes): a long value adds no more than a short one.
const gramSpan = 64

func gramHash(g uint32) uint32 { return (g * 2654435761) >> (32 - gramBits) }

func (m *Masker) buildGrams() {
	m.grams = make([]uint64, 1<<(gramBits-6))
	span := m.step + 3
	for _, p := range m.pats {
		b := p.b[:min(len(p.b), span)]
		for i := 0; i+4 <= len(b); i++ {
			h := gramHash(le32(b[i:]))
			m.grams[h>>6] |= 1 << (h & 63)
		}
	}
	set := 0
	for _, w := range m.grams {
		set += bits.OnesCount64(w)
	}
	// A sampled window hits with the density of the table, and a hit
	// costs an exact scan of about a step: past a third, skipping costs
	// more than it saves.
	m.gramsUseful = set < len(m.grams)*64/3
}

func (m *Masker) hasGram(g uint32) bool {
	h := gramHash(g)
	return m.grams[h>>6]&(1<<(h&63)) != 0
}

// anchorHash spreads an anchor over the bits of abits.
func (m *Masker) anchorHash(key uint64) uint64 { return (key * 0x9E3779B97F4A7C15) >> m.ashift }

// Lines returns the lines of a multi-line value, split at \n and \r, empty
// ones dropped; nil for a value of one line.
func Lines(v []byte) [][]byte {
	if !bytes.ContainsAny(v, "\r\n") {
		return nil
	}
	return bytes.FieldsFunc(v, func(r rune) bool { return r == '\n' || r == '\r' })
}

// New compiles the matcher. It returns the names of secrets (and of string
// leaves of structured ones) whose values are too short to mask.
func New(secrets []Secret, opts Options) (*Masker, []string) {
	minLen := opts.MinLen
	if minLen <= 0 {
		minLen = DefaultMinLen
	}
	m := &Masker{}
	marker := opts.Marker
	if marker == nil {
		marker = Marker
	}
	var tooShort []string
	type candidate struct {
		b     []byte
		name  int32
		order int32
	}
	var cands []candidate
	forms := &formSet{minLen: minLen}
	// add masks v and each of its lines, in all their encodings.
	add := func(name string, v []byte) {
		if len(v) < minLen {
			tooShort = append(tooShort, name)
			return
		}
		idx := int32(len(m.markers))
		m.markers = append(m.markers, marker(name))
		lines := Lines(v)
		for i, f := range append([][]byte{v}, lines...) {
			for _, e := range forms.encodings(f, i > 0 || lines == nil) {
				cands = append(cands, candidate{e, idx, int32(len(cands))})
			}
		}
	}
	for _, s := range secrets {
		add(s.Name, s.Value)
		if s.JSON {
			// Text that is not JSON after all has no leaves; the value
			// as a whole is still masked.
			leaves, _ := Leaves(s.Name, s.Value)
			for _, l := range leaves {
				add(l.Name, l.Value)
			}
		}
	}
	sort.Strings(tooShort)

	// Sorted by bytes, equal patterns are adjacent (the one asked for
	// first, whose name a shared form shows, leads) and so are those that
	// share an anchor.
	slices.SortFunc(cands, func(a, b candidate) int {
		if c := bytes.Compare(a.b, b.b); c != 0 {
			return c
		}
		return cmp.Compare(a.order, b.order)
	})
	distinct := 0
	for i, c := range cands {
		if i == 0 || !bytes.Equal(c.b, cands[i-1].b) {
			cands[distinct] = c
			distinct++
		}
	}
	m.pats = make([]pattern, distinct)
	for i, c := range cands[:distinct] {
		m.pats[i] = pattern{b: c.b, name: c.name}
	}
	if len(m.pats) == 0 {
		return m, tooShort
	}

	minPat := len(m.pats[0].b)
	for _, p := range m.pats {
		minPat = min(minPat, len(p.b))
		m.maxLen = max(m.maxLen, len(p.b))
	}
	h := min(minPat, maxAnchor)
	m.anchorLen = h
	m.amask = ^uint64(0) >> (64 - 8*h)
	for i := range m.pats {
		p := &m.pats[i]
		key := anchorKey(p.b[:h])
		if n := len(m.anchors); n == 0 || m.anchors[n-1] != key {
			m.anchors = append(m.anchors, key)
			m.first = append(m.first, int32(i))
		}
		p.periodic = len(p.b) > h && bytes.Index(p.b[1:], p.b[:h]) >= 0
	}
	m.first = append(m.first, int32(len(m.pats)))
	// About 1 bit in 64 set: a false hit costs a binary search.
	logBits := max(12, min(26, bits.Len(uint(len(m.anchors))*64)))
	m.abits = make([]uint64, 1<<(logBits-6))
	m.ashift = uint(64 - logBits)
	m.starts2 = make([]uint64, 1<<16/64)
	for _, key := range m.anchors {
		hh := m.anchorHash(key)
		m.abits[hh>>6] |= 1 << (hh & 63)
		b1 := key >> (8 * (h - 1))
		m.starts1[b1>>6] |= 1 << (b1 & 63)
		if h >= 2 {
			b2 := key >> (8 * (h - 2))
			m.starts2[b2>>6] |= 1 << (b2 & 63)
		}
	}
	if minPat >= 8 {
		m.step = min(minPat, gramSpan) - 3
	}
	return m, tooShort
}

// anchorKey reads up to 8 bytes big-endian: the order of keys is the
// order of the bytes.
func anchorKey(b []byte) uint64 {
	var k uint64
	for _, c := range b {
		k = k<<8 | uint64(c)
	}
	return k
}

// failOf returns the KMP failure function of pattern k: f[q] is the
// length of the longest proper border of its first q bytes.
func (m *Masker) failOf(k int32) []int32 {
	m.failMu.Lock()
	defer m.failMu.Unlock()
	if f, ok := m.fails[k]; ok {
		return f
	}
	b := m.pats[k].b
	f := make([]int32, len(b)+1)
	q := int32(0)
	for i := 1; i < len(b); i++ {
		for q > 0 && b[i] != b[q] {
			q = f[q]
		}
		if b[i] == b[q] {
			q++
		}
		f[i+1] = q
	}
	if m.fails == nil {
		m.fails = make(map[int32][]int32)
	}
	m.fails[k] = f
	return f
}

// Empty reports whether there is nothing to mask.
func (m *Masker) Empty() bool { return len(m.pats) == 0 }

func le32(b []byte) uint32 { return binary.LittleEndian.Uint32(b) }
