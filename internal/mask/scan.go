package mask

import (
	"encoding/binary"
	"slices"
)

// runner follows a pattern longer than its anchor from where the anchor
// matched: its first q bytes are the end of the stream so far, and
// q >= anchorLen. A pattern has at most one runner; for a periodic one,
// KMP's failure function keeps it on the longest such prefix, so
// overlapping occurrences cost no more than one.
type runner struct {
	pat  int32
	q    int32
	fail []int32 // nil unless the pattern is periodic
}

// scan runs the matcher over p, recording covered regions. With the skip
// filter it runs only over the stretches where an occurrence can start:
// around each sampled window whose gram occurs in a pattern's head, plus
// the first bytes (an anchor across the write boundary) and the last (an
// occurrence whose sampled window is not in this write yet); a stretch
// goes on for as long as a runner follows a pattern. An occurrence never
// starts in a skipped stretch: its first sampled window lies in its first
// step+3 bytes, and that window's stretch begins step-1 bytes before it.
func (w *Writer) scan(p []byte) {
	m := w.m
	base, n := w.pos, len(p)
	g0 := w.g
	// gAt is the register at p[i]: the 8 stream bytes before it.
	gAt := func(i int) uint64 {
		if i >= 8 {
			return binary.BigEndian.Uint64(p[i-8:])
		}
		g := g0 << (8 * i)
		for _, c := range p[:i] {
			g = g<<8 | uint64(c)
		}
		return g
	}
	step, h := m.step, m.anchorLen
	if step > 0 && n >= 4*(step+h) {
		m.gramsOnce.Do(m.buildGrams)
	}
	if step == 0 || n < 4*(step+h) || !m.gramsUseful {
		_, w.g = w.exact(p, 0, n, base, g0)
		w.pos = base + int64(n)
		return
	}
	at, g := w.exact(p, 0, min(n, h-1), base, g0)
	first := int((base+int64(step)-1)/int64(step)*int64(step) - base)
	for a := first; a+4 <= n; a += step {
		if a+h <= at || !m.hasGram(le32(p[a:])) {
			continue
		}
		// An occurrence with this window first starts at a-step+1 to a:
		// its anchor ends on one of the step bytes before a+h.
		from := max(a-step+h, at)
		if from > at {
			g = gAt(from)
		}
		at, g = w.exact(p, from, min(a+h, n), base, g)
	}
	// An occurrence whose first window is not all in this write starts in
	// its last step+3 bytes; its anchor ends here or in the next write.
	if from := max(n-(step+3)+h-1, at); from > at {
		g = gAt(from)
		at = from
	}
	_, w.g = w.exact(p, at, n, base, g)
	w.pos = base + int64(n)
}

// exact runs the matcher over p from i (stream offset base+i) to at least
// to, and on for as long as a runner is alive; it returns where it stopped
// and the register there. g holds the 8 stream bytes before p[i].
func (w *Writer) exact(p []byte, i, to int, base int64, g uint64) (int, uint64) {
	m := w.m
	amask, abits, ashift := m.amask, m.abits, m.ashift
	// No anchor ends before the stream's first anchorLen bytes.
	for ; i < to && base+int64(i)+1 < int64(m.anchorLen); i++ {
		g = g<<8 | uint64(p[i])
	}
	for {
		if len(w.runners) == 0 {
			for ; i < to; i++ {
				g = g<<8 | uint64(p[i])
				hh := ((g & amask) * 0x9E3779B97F4A7C15) >> ashift
				if abits[hh>>6]&(1<<(hh&63)) != 0 {
					break
				}
			}
			if i >= to {
				return i, g
			}
			w.anchor(g&amask, base+int64(i)+1)
			i++
			continue
		}
		// A runner is alive: every byte, until none is.
		for ; i < len(p) && len(w.runners) > 0; i++ {
			c := p[i]
			g = g<<8 | uint64(c)
			end := base + int64(i) + 1
			w.advance(c)
			hh := ((g & amask) * 0x9E3779B97F4A7C15) >> ashift
			if abits[hh>>6]&(1<<(hh&63)) != 0 {
				w.anchor(g&amask, end)
			}
			w.report(end)
		}
		if len(w.runners) > 0 || i >= to {
			return i, g
		}
	}
}

// anchor handles the end of the stream matching an anchor at end: the
// pattern that is the anchor alone is an occurrence, and each longer one
// that no runner follows yet gets one.
func (w *Writer) anchor(key uint64, end int64) {
	m := w.m
	a, ok := slices.BinarySearch(m.anchors, key)
	if !ok {
		return
	}
	h := int32(m.anchorLen)
	for k := m.first[a]; k < m.first[a+1]; k++ {
		p := &m.pats[k]
		if len(p.b) == int(h) {
			// The shortest of its group (sorted first), and shorter than
			// any runner's pattern: covered before them, as cover needs.
			w.cover(end-int64(h), end, p.name)
			continue
		}
		if w.live == nil {
			w.live = make([]bool, len(m.pats))
		}
		if w.live[k] {
			continue // its runner has seen this anchor already
		}
		r := runner{pat: k, q: h}
		if p.periodic {
			r.fail = m.failOf(k)
		}
		w.live[k] = true
		w.runners = append(w.runners, r)
	}
}

// advance moves every runner on by c, dropping those whose pattern no
// longer matches from their anchor on, and noting those that complete.
func (w *Writer) advance(c byte) {
	m := w.m
	h := int32(m.anchorLen)
	k := 0
	for _, r := range w.runners {
		b := m.pats[r.pat].b
		for {
			if b[r.q] == c {
				r.q++
				break
			}
			if r.fail == nil {
				r.q = 0 // no border as long as the anchor: nothing left
				break
			}
			if r.q = r.fail[r.q]; r.q < h {
				break
			}
		}
		if int(r.q) == len(b) {
			w.done = append(w.done, r.pat)
			r.q = 0
			if r.fail != nil {
				r.q = r.fail[len(b)] // the next occurrence may overlap this one
			}
		}
		if r.q >= h {
			w.runners[k] = r
			k++
		} else {
			w.live[r.pat] = false
		}
	}
	w.runners = w.runners[:k]
}

// report covers the occurrences that runners completed at end, shortest
// first: cover needs those that end together in order of length, so the
// longest swallows the others.
func (w *Writer) report(end int64) {
	if len(w.done) == 0 {
		return
	}
	m := w.m
	slices.SortFunc(w.done, func(a, b int32) int { return len(m.pats[a].b) - len(m.pats[b].b) })
	for _, k := range w.done {
		p := &m.pats[k]
		w.cover(end-int64(len(p.b)), end, p.name)
	}
	w.done = w.done[:0]
}

// holdLen is how much of the end of the stream could still be the start
// of a pattern: the longest prefix a runner has matched, or else the
// longest end of the stream that begins some anchor.
func (w *Writer) holdLen() int {
	q := 0
	for _, r := range w.runners {
		q = max(q, int(r.q))
	}
	if q > 0 {
		return q
	}
	m := w.m
	h := m.anchorLen
	for l := int(min(int64(h-1), w.pos)); l >= 1; l-- {
		if b1 := (w.g >> (8 * (l - 1))) & 0xff; m.starts1[b1>>6]&(1<<(b1&63)) == 0 {
			continue
		}
		if l >= 2 {
			if b2 := (w.g >> (8 * (l - 2))) & 0xffff; m.starts2[b2>>6]&(1<<(b2&63)) == 0 {
				continue
			}
		}
		lo := (w.g & (1<<(8*l) - 1)) << (8 * (h - l))
		hi := lo | (1<<(8*(h-l)) - 1)
		if i, _ := slices.BinarySearch(m.anchors, lo); i < len(m.anchors) && m.anchors[i] <= hi {
			return l
		}
	}
	return 0
}
