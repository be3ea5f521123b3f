package mask

import (
	"bytes"
	"io"
	"slices"
	"sync"
)

// Writer masks one stream. A region covered by one or more overlapping
// occurrences is replaced as a whole by the markers of the secrets whose
// occurrences make it up, each once, in the order the occurrences start;
// an occurrence inside a longer one ("hunt" inside "hunter2") adds no
// marker of its own.
type Writer struct {
	m  *Masker
	w  io.Writer
	mu sync.Mutex

	// g holds the last 8 bytes of the stream; runners follow the patterns
	// whose anchors matched, live[k] says pattern k has one, and done
	// lists the patterns they completed at the current byte.
	g       uint64
	runners []runner
	live    []bool
	done    []int32
	// held are the bytes not yet written, starting at offset heldAt of the
	// stream; the scan has consumed them all. They are ours (see keep),
	// and new output is appended to them in place.
	held   []byte
	buf    []byte
	heldAt int64
	pos    int64 // bytes consumed so far
	// regions are covered spans not yet written, in order.
	regions []region
	out     []byte
	err     error
}

// maxHeld bounds what a growing region holds back, unless a pattern is
// longer: a region inside a long value being followed waits for it.
const maxHeld = 64 << 10

type region struct {
	from, to int64
	occs     []occurrence
}

type occurrence struct {
	from, to int64
	name     int32
}

// Writer returns a masking writer into w.
func (m *Masker) Writer(w io.Writer) *Writer { return &Writer{m: m, w: w} }

// Pending is how many bytes are held back right now.
func (w *Writer) Pending() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.held)
}

// Write masks p and writes everything that can no longer be part of a
// secret; it holds back only what could still be.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return 0, w.err
	}
	if w.m.Empty() {
		_, err := w.w.Write(p)
		w.err = err
		return len(p), err
	}
	data := p
	if len(w.held) > 0 {
		data = append(w.held, p...)
	}
	w.scan(data[len(data)-len(p):])
	// Bytes before the frontier cannot start an occurrence any more; a
	// region reaching past it can still grow, so it waits too.
	frontier := w.pos - int64(w.holdLen())
	for _, r := range w.regions {
		if r.to > frontier {
			// A region that keeps growing ("=====" for a secret "====") is
			// released once it is long, as a Flush would: its marker now,
			// the rest of the run masked as it comes.
			if w.pos-r.from < int64(max(maxHeld, w.m.maxLen)) {
				frontier = min(frontier, r.from)
			} else {
				frontier = max(frontier, r.to)
			}
			break
		}
	}
	w.emit(data, frontier)
	return len(p), w.err
}

// cover adds the occurrence [from, to) of secret name, merging it with
// the regions it overlaps. Occurrences end in order, so those of a region
// that start at or after the new one lie inside it: they are popped, which
// keeps each region's list sorted by start and the work linear.
func (w *Writer) cover(from, to int64, name int32) {
	from = max(from, w.heldAt) // what was released already cannot be taken back
	o := occurrence{from, to, name}
	n := len(w.regions)
	i := n
	for i > 0 && w.regions[i-1].to > from {
		i--
	}
	if i == n {
		w.regions = append(w.regions, region{from: from, to: to, occs: []occurrence{o}})
		return
	}
	merged := w.regions[i]
	for _, r := range w.regions[i+1:] {
		merged.occs = append(merged.occs, r.occs...)
	}
	for len(merged.occs) > 0 && merged.occs[len(merged.occs)-1].from >= from {
		merged.occs = merged.occs[:len(merged.occs)-1]
	}
	// An occurrence of the secret that ends the list changes nothing: the
	// markers show each name once, in order of first start, and whatever
	// would pop it later pops only what follows the earlier one. So a run
	// ("=====" for "====") keeps one entry, not one a byte.
	if k := len(merged.occs); k == 0 || merged.occs[k-1].name != name {
		merged.occs = append(merged.occs, o)
	}
	merged.from, merged.to = min(merged.from, from), to
	w.regions = append(w.regions[:i], merged)
}

// emit writes data (which starts at w.heldAt) up to the stream offset
// upTo, markers in place of regions, and keeps the rest held.
func (w *Writer) emit(data []byte, upTo int64) {
	// After a Flush the automaton may stand for bytes already written.
	upTo = max(upTo, w.heldAt)
	if len(w.regions) == 0 || w.regions[0].to > upTo {
		// Nothing to replace: write straight from data, no copy.
		if n := upTo - w.heldAt; n > 0 {
			if _, err := w.w.Write(data[:n]); err != nil && w.err == nil {
				w.err = err
			}
		}
		w.keep(data[upTo-w.heldAt:])
		w.heldAt = upTo
		return
	}
	out := w.out[:0]
	at := w.heldAt
	done := 0
	for _, r := range w.regions {
		if r.to > upTo {
			break
		}
		out = append(out, data[at-w.heldAt:r.from-w.heldAt]...)
		var named []int32
		for _, o := range r.occs {
			if !slices.Contains(named, o.name) {
				named = append(named, o.name)
				out = append(out, w.m.markers[o.name]...)
			}
		}
		at = r.to
		done++
	}
	if upTo > at {
		out = append(out, data[at-w.heldAt:upTo-w.heldAt]...)
		at = upTo
	}
	w.regions = append(w.regions[:0], w.regions[done:]...)
	w.keep(data[at-w.heldAt:])
	w.heldAt = at
	if len(out) > 0 {
		if _, err := w.w.Write(out); err != nil && w.err == nil {
			w.err = err
		}
	}
	if cap(out) <= 1<<20 {
		w.out = out[:0]
	}
}

// keep holds rest back. A short tail is copied to the start of the
// Writer's buffer, where the next write is appended without allocating.
// A long one (a long value being followed) stays where it is when it is
// in our buffer already, which it is when the tail held before this write
// was not empty: holding it across many small writes then costs no more
// than its bytes.
func (w *Writer) keep(rest []byte) {
	if len(w.held) > 0 && len(rest) > 4<<10 {
		w.held = rest
		return
	}
	w.buf = append(w.buf[:0], rest...) // rest may lie in buf: append moves
	w.held = w.buf
	if len(rest) == 0 && cap(w.buf) > 1<<20 {
		w.buf, w.held = nil, nil // a long tail is gone: do not keep its room
	}
}

// Flush writes what is held back for now, masking what is already known,
// but for the end of the stream that is still the start of a masked form
// (of a value at least the minimum long: every form is): an idle stream's
// prompt must appear, and a value written a piece at a time must not.
// Those bytes wait until the match breaks or Close. An occurrence that
// completes later is still masked from where the output then stands.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil || len(w.held) == 0 {
		return w.err
	}
	upTo := w.pos - int64(w.holdLen())
	for _, r := range w.regions {
		if r.to > upTo {
			// A region reaching into the start of a form goes out whole, as
			// its marker: none of its bytes shows. One lying wholly inside
			// it waits with it.
			if r.from < upTo {
				upTo = r.to
			}
			break
		}
	}
	w.emit(w.held, upTo)
	return w.err
}

// Close writes everything still held, at the end of the stream: what
// could have started a secret did not.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err == nil && len(w.held) > 0 {
		w.emit(w.held, w.pos)
	}
	return w.err
}

// Replace masks text as a whole: an error message made from what a server
// said, say.
func (m *Masker) Replace(text []byte) []byte {
	var out bytes.Buffer
	w := m.Writer(&out)
	_, _ = w.Write(text)
	_ = w.Close()
	return out.Bytes()
}
