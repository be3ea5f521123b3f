// Package maskproto is a profiling aid for bench/run's masking throughput
// case, not part of the tool: Go benchmarks of the scan loop of the mask
// package (re-implemented here, since bench/ cannot import the main
// module) against two ways to make it faster, on the same kind of text
// and secrets as bench/maskbench:
//
//   - DFA: the mask package's loop, one dependent table load per byte
//     (an Aho-Corasick automaton over byte classes, rows premultiplied,
//     matching states negated);
//   - DFA2: the same automaton run as two interleaved lanes over the two
//     halves of a buffer (the second lane starts maxLen bytes early from
//     the root, which gives the exact state at the half: an Aho-Corasick
//     state depends only on the last maxLen bytes), so the CPU overlaps
//     the two chains of loads;
//   - Skip: a sampled q-gram filter (as Wu-Manber / Hyperscan's
//     "FDR"-like prefilters): with m the shortest pattern, every
//     occurrence covers m-3 consecutive 4-gram start positions, so probing
//     the 4-gram at every (m-3)-th offset against a bitset of all 4-grams
//     of all patterns finds a hit in every occurrence; only around a hit
//     does the DFA run, from the root, over a window of 2*maxLen bytes.
//
// Run: cd bench && go test -bench . -benchtime 3x ./maskproto
// (and -cpuprofile cpu.out; go tool pprof -top maskproto.test cpu.out).
package maskproto

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"testing"
)

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// text is bench/maskbench's text: letters, digits, 1 in 7 spaces, lines of
// 40-120 bytes, with each secret's value planted a few times.
func text(size int, values [][]byte, rng *rand.Rand) []byte {
	var table [256]byte
	for i := range table {
		if i%7 == 0 {
			table[i] = ' '
		} else {
			table[i] = alnum[i%len(alnum)]
		}
	}
	data := make([]byte, 0, size+8)
	lineEnd := 40 + rng.IntN(81)
	for len(data) < size {
		r := rng.Uint64()
		for k := 0; k < 8; k++ {
			if lineEnd == 0 {
				data = append(data, '\n')
				lineEnd = 40 + rng.IntN(81)
				continue
			}
			data = append(data, table[byte(r)])
			r >>= 8
			lineEnd--
		}
	}
	for i, s := range []int{0, 0, 0, len(values) - 1, len(values) / 2} {
		copy(data[(i+1)*size/7:], values[s])
	}
	return data
}

func secrets(n int, rng *rand.Rand) (values, patterns [][]byte) {
	for i := 0; i < n; i++ {
		b := make([]byte, 24+rng.IntN(9))
		for j := range b {
			b[j] = alnum[rng.IntN(len(alnum))]
		}
		values = append(values, b)
		// The mask package's variants of a letters-and-digits value: itself
		// (= its URL and JSON forms) and its two unpadded base64 forms.
		patterns = append(patterns, b, []byte(base64.RawStdEncoding.EncodeToString(b)))
		if u := base64.RawURLEncoding.EncodeToString(b); u != string(patterns[len(patterns)-1]) {
			patterns = append(patterns, []byte(u))
		}
	}
	return values, patterns
}

// dfa is the mask package's table: delta[row+class] is the next row
// (state*nclass), negated minus one when that state ends a match.
type dfa struct {
	classes [256]byte
	nclass  int32
	delta   []int32
	maxLen  int
	minLen  int
}

func build(patterns [][]byte) *dfa {
	d := &dfa{nclass: 1, minLen: 1 << 30}
	for _, p := range patterns {
		for _, c := range p {
			if d.classes[c] == 0 {
				d.classes[c] = byte(d.nclass)
				d.nclass++
			}
		}
		d.maxLen = max(d.maxLen, len(p))
		d.minLen = min(d.minLen, len(p))
	}
	nc := int(d.nclass)
	goto_ := make([]int32, nc)
	for i := range goto_ {
		goto_[i] = -1
	}
	out := []bool{false}
	for _, p := range patterns {
		s := 0
		for _, c := range p {
			i := s*nc + int(d.classes[c])
			if goto_[i] < 0 {
				goto_[i] = int32(len(out))
				out = append(out, false)
				for j := 0; j < nc; j++ {
					goto_ = append(goto_, -1)
				}
			}
			s = int(goto_[i])
		}
		out[s] = true
	}
	fail := make([]int32, len(out))
	var queue []int32
	for c := 0; c < nc; c++ {
		if goto_[c] < 0 {
			goto_[c] = 0
		} else {
			queue = append(queue, goto_[c])
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		out[s] = out[s] || out[fail[s]]
		for c := 0; c < nc; c++ {
			i := int(s)*nc + c
			n := goto_[i]
			if n < 0 {
				goto_[i] = goto_[int(fail[s])*nc+c]
				continue
			}
			fail[n] = goto_[int(fail[s])*nc+c]
			queue = append(queue, n)
		}
	}
	d.delta = make([]int32, len(goto_))
	for i, n := range goto_ {
		t := n * d.nclass
		if out[n] {
			t = -t - 1
		}
		d.delta[i] = t
	}
	return d
}

// scan is the mask package's loop; it returns the end row and the number
// of match ends.
func (d *dfa) scan(p []byte, row int32) (int32, int) {
	matches := 0
	delta, classes := d.delta, &d.classes
	for _, c := range p {
		t := delta[row+int32(classes[c])]
		if t >= 0 {
			row = t
			continue
		}
		row = -t - 1
		matches++
	}
	return row, matches
}

// scan2 runs two lanes: [0, h) from row, and [h-maxLen, n) from the root,
// counting the second lane's matches only from h on.
func (d *dfa) scan2(p []byte, row int32) (int32, int) {
	n := len(p)
	if n < 4*d.maxLen {
		return d.scan(p, row)
	}
	h := n / 2
	warm := h - d.maxLen
	// Warm the second lane up to h alone (its matches before h are the
	// first lane's to count).
	var r2 int32
	delta, classes := d.delta, &d.classes
	for _, c := range p[warm:h] {
		t := delta[r2+int32(classes[c])]
		if t < 0 {
			t = -t - 1
		}
		r2 = t
	}
	a, b := p[:h], p[h:]
	if len(b) > len(a) {
		b = b[:len(a)]
	}
	r1, m := row, 0
	for i := range a {
		t1 := delta[r1+int32(classes[a[i]])]
		t2 := delta[r2+int32(classes[b[i]])]
		if t1 < 0 {
			t1 = -t1 - 1
			m++
		}
		if t2 < 0 {
			t2 = -t2 - 1
			m++
		}
		r1, r2 = t1, t2
	}
	r2, m2 := d.scan(p[h+len(b):], r2)
	return r2, m + m2
}

// skip is the sampled 4-gram filter in front of the dfa.
type skip struct {
	d      *dfa
	bits   []uint64
	shift  uint
	stride int
}

func hash4(b []byte) uint32 {
	return (uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24) * 0x9E3779B1
}

func newSkip(d *dfa, patterns [][]byte, logBits uint) *skip {
	s := &skip{d: d, bits: make([]uint64, 1<<(logBits-6)), shift: 32 - logBits, stride: d.minLen - 3}
	for _, p := range patterns {
		for i := 0; i+4 <= len(p); i++ {
			h := hash4(p[i:]) >> s.shift
			s.bits[h>>6] |= 1 << (h & 63)
		}
	}
	return s
}

// scan counts the matches in p (a whole buffer; a stream would carry the
// last maxLen bytes over, as the mask package carries its held tail).
func (s *skip) scan(p []byte) int {
	matches := 0
	bits, shift, stride := s.bits, s.shift, s.stride
	done := 0 // the DFA has covered p[:done]
	for i := stride - 1; i+4 <= len(p); i += stride {
		h := hash4(p[i:]) >> shift
		if bits[h>>6]&(1<<(h&63)) == 0 {
			continue
		}
		// A candidate: any occurrence through this 4-gram starts at or
		// after i-(maxLen-4) and ends before i+maxLen.
		from := max(i-(s.d.maxLen-4), done)
		to := min(i+s.d.maxLen, len(p))
		_, m := s.d.scan(p[from:to], 0)
		matches += m
		done = to
	}
	return matches
}

func BenchmarkScan(b *testing.B) {
	const size = 64 << 20
	for _, n := range []int{1, 100, 1000} {
		rng := rand.New(rand.NewPCG(1, uint64(n)))
		values, patterns := secrets(n, rng)
		data := text(size, values, rng)
		d := build(patterns)
		sk := newSkip(d, patterns, 22)
		const chunk = 64 << 10 // a pipe read
		want := -1
		check := func(got int) {
			if want < 0 {
				if got < 5 {
					b.Fatalf("%d matches, want at least the 5 planted", got)
				}
				want = got
			} else if got != want {
				b.Fatalf("%d matches, want %d", got, want)
			}
		}
		b.Run(fmt.Sprintf("DFA/secrets=%d", n), func(b *testing.B) {
			b.SetBytes(size)
			for b.Loop() {
				row, m := int32(0), 0
				for off := 0; off < len(data); off += chunk {
					var k int
					row, k = d.scan(data[off:min(off+chunk, len(data))], row)
					m += k
				}
				check(m)
			}
		})
		b.Run(fmt.Sprintf("DFA2/secrets=%d", n), func(b *testing.B) {
			b.SetBytes(size)
			for b.Loop() {
				row, m := int32(0), 0
				for off := 0; off < len(data); off += chunk {
					var k int
					row, k = d.scan2(data[off:min(off+chunk, len(data))], row)
					m += k
				}
				check(m)
			}
		})
		b.Run(fmt.Sprintf("Skip/secrets=%d", n), func(b *testing.B) {
			b.SetBytes(size)
			for b.Loop() {
				check(sk.scan(data))
			}
		})
	}
}
