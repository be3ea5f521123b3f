package mask_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prefect-secrets/prefect-secrets/internal/mask"
)

// ---------------------------------------------------------------------------
// How cost grows. No test here depends on the machine's speed: each
// compares the cost of a job of size n with that of size k·n, measured
// the same way in the same process. Allocated bytes are counted exactly;
// time is the process's CPU time (not wall time, which grows while the
// machine runs other things), the least of several interleaved runs, and
// the bound is generous: linear work grows about k times, quadratic work
// k² times.

type cost struct {
	alloc uint64        // bytes allocated
	held  int64         // bytes still live after a GC, keep's result included
	time  time.Duration // CPU time
}

// measure runs f once. What f returns is kept alive until the heap has
// been read, so held counts it.
func measure(f func() any) cost {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := cpuTime()
	keep := f()
	d := cpuTime() - start
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(keep)
	return cost{after.TotalAlloc - before.TotalAlloc, int64(after.HeapAlloc) - int64(before.HeapAlloc), d}
}

// growth runs small and large alternately, reps times each, and returns
// the least cost of each.
func growth(reps int, small, large func() any) (cost, cost) {
	var cs, cl cost
	for i := range reps {
		s, l := measure(small), measure(large)
		if i == 0 || s.time < cs.time {
			cs.time = s.time
		}
		if i == 0 || l.time < cl.time {
			cl.time = l.time
		}
		cs.alloc, cs.held = s.alloc, s.held
		cl.alloc, cl.held = l.alloc, l.held
	}
	return cs, cl
}

// checkGrowth stops the test when the cost of the large job is over limit
// times the small one's, in allocated bytes or in time (what comes next
// could take too long), and returns both costs.
func checkGrowth(t *testing.T, what string, k int, limit float64, small, large func() any) (cost, cost) {
	t.Helper()
	cs, cl := growth(3, small, large)
	// Under 64 KiB, allocations are a buffer's growth steps: too few bytes
	// for their ratio to say anything.
	ra := float64(cl.alloc) / float64(max(cs.alloc, 64<<10))
	rt := float64(cl.time) / float64(max(cs.time, time.Microsecond))
	t.Logf("%s: x%d the size: x%.1f the bytes allocated (%d -> %d), x%.1f the CPU time (%v -> %v)", what, k, ra, cs.alloc, cl.alloc, rt, cs.time, cl.time)
	if ra > limit {
		t.Errorf("%s: x%d the size allocates x%.1f the bytes (%d -> %d): over x%.0f, not linear", what, k, ra, cs.alloc, cl.alloc, limit)
	}
	if rt > limit {
		t.Errorf("%s: x%d the size takes x%.1f the CPU time (%v -> %v, least of 3 runs each): over x%.0f, not linear", what, k, rt, cs.time, cl.time, limit)
	}
	if t.Failed() {
		t.FailNow()
	}
	return cs, cl
}

// ---------------------------------------------------------------------------
// Values.

// randomValue is n bytes drawn from alphabet.
func randomValue(rng *rand.Rand, n int, alphabet string) []byte {
	v := make([]byte, n)
	for i := range v {
		v[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return v
}

const b64chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// pemValue is about n bytes of a PEM body: base64 of random bytes in lines
// of 64, the shape of a certificate bundle or a private key.
func pemValue(rng *rand.Rand, n int) []byte {
	raw := make([]byte, n*3/4)
	for i := range raw {
		raw[i] = byte(rng.Uint32())
	}
	b := base64.StdEncoding.EncodeToString(raw)
	var out []byte
	for len(b) > 64 {
		out = append(out, b[:64]...)
		out = append(out, '\n')
		b = b[64:]
	}
	return append(out, b...)
}

// ---------------------------------------------------------------------------
// Set-up cost.

// TestNewCostGrowsLinearly: compiling the masker costs memory and time in
// proportion to the total size of the values, with a small constant:
// many secrets, one long value, and a long value of many lines (each line
// and each encoding of it is a pattern of its own). The target for
// one value of 1 MiB is 64 MiB and a second of set-up: what New keeps is
// bounded per byte of value well under that. The smaller size is measured
// first, alone, so a masker that does not scale fails there before the
// larger one can exhaust the machine.
func TestNewCostGrowsLinearly(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	const printable = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~!@#$%^&*()+={}[]:;<>,?/"
	many := func(n int) []mask.Secret {
		var secrets []mask.Secret
		for i := range n {
			secrets = append(secrets, mask.Secret{Name: fmt.Sprintf("S%d", i), Value: randomValue(rng, 32, printable)})
		}
		return secrets
	}
	one := func(v []byte) []mask.Secret { return []mask.Secret{{Name: "BIG", Value: v}} }
	cases := []struct {
		what         string
		small, large []mask.Secret
	}{
		{"500 and 8000 secrets of 32 bytes", many(500), many(8000)},
		{"a value of 32 KiB and of 512 KiB, one line", one(randomValue(rng, 32<<10, b64chars)), one(randomValue(rng, 512<<10, b64chars))},
		{"a value of 32 KiB and of 512 KiB, lines of 64", one(pemValue(rng, 32<<10)), one(pemValue(rng, 512<<10))},
	}
	for _, c := range cases {
		t.Run(c.what, func(t *testing.T) {
			// What the Masker keeps, and all New allocates on the way, per
			// byte of value: up to 8 base64 forms of 4/3 its line, up to 5
			// URL forms of at most 3 times it, and the JSON and quoted
			// forms of a value with bytes they escape; lines double it. The
			// printable values of many secrets have them all.
			bounded := func(secrets []mask.Secret, c cost) {
				t.Helper()
				n := 0
				for _, s := range secrets {
					n += len(s.Value)
				}
				t.Logf("%d bytes of values: New keeps %d bytes (x%.1f), allocates %d (x%.1f)",
					n, c.held, float64(c.held)/float64(n), c.alloc, float64(c.alloc)/float64(n))
				if c.held > 40*int64(n)+1<<20 {
					t.Fatalf("%d bytes of values: the Masker keeps %d bytes, over 40 a byte", n, c.held)
				}
				if c.alloc > 96*uint64(n)+4<<20 {
					t.Fatalf("%d bytes of values: New allocates %d bytes, over 96 a byte", n, c.alloc)
				}
			}
			var m *mask.Masker
			compile := func(secrets []mask.Secret) func() any {
				return func() any { m, _ = mask.New(secrets, mask.Options{}); return m }
			}
			bounded(c.small, measure(compile(c.small)))
			_, cl := checkGrowth(t, c.what, 16, 64, compile(c.small), compile(c.large))
			bounded(c.large, cl)
			// And it masks.
			last := c.large[len(c.large)-1]
			in := slices.Concat([]byte("x "), last.Value, []byte(" y"))
			if got := run(t, m, randomChunks(rng, in, 4096), nil); string(got) != "x "+mask.Marker(last.Name)+" y" {
				t.Errorf("got %.80q", got)
			}
		})
	}
}

// ---------------------------------------------------------------------------
// Long values, masked as the reference masks them.

// longSecrets are values far longer than an anchor: random ones over small
// alphabets (so the output is full of near misses), periodic ones (whose
// occurrences overlap), and multi-line ones (whose lines are patterns too).
func longSecrets(rng *rand.Rand) []mask.Secret {
	var secrets []mask.Secret
	add := func(v []byte) {
		secrets = append(secrets, mask.Secret{Name: fmt.Sprint("L", len(secrets)), Value: v})
	}
	switch rng.IntN(4) {
	case 0: // random, some sharing a long prefix
		v := randomValue(rng, 20+rng.IntN(2000), "abc d")
		add(v)
		add(slices.Concat(v[:len(v)/2], randomValue(rng, 10+rng.IntN(500), "abc d")))
	case 1: // periodic
		unit := randomValue(rng, 1+rng.IntN(5), "ab")
		add(bytes.Repeat(unit, 5+rng.IntN(300)))
		add(slices.Concat(bytes.Repeat(unit, 3+rng.IntN(50)), []byte("b")))
	case 2: // lines
		var v []byte
		for range 1 + rng.IntN(30) {
			v = append(v, randomValue(rng, 1+rng.IntN(70), "abc=/+")...)
			v = append(v, "\n\r"[rng.IntN(2)])
		}
		add(v)
	default: // short and long together
		add(randomValue(rng, 4+rng.IntN(6), "abc"))
		add(randomValue(rng, 9+rng.IntN(800), "abc"))
	}
	return secrets
}

func TestLongValuesMatchReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for round := range 150 {
		secrets := longSecrets(rng)
		pats := refPatterns(secrets, mask.DefaultMinLen)
		var in []byte
		for len(in) < 3000+rng.IntN(30000) {
			p := pats[rng.IntN(len(pats))].b
			switch rng.IntN(5) {
			case 0, 1:
				in = append(in, p...)
			case 2:
				in = append(in, p[:rng.IntN(len(p))]...) // a near miss
			case 3:
				in = append(in, p[rng.IntN(len(p)):]...)
			default:
				in = append(in, randomValue(rng, rng.IntN(300), "abc d=/+\n")...)
			}
		}
		m, short := mask.New(secrets, mask.Options{})
		if len(short) > 0 {
			t.Fatalf("too short: %q", short)
		}
		want := refMask(in, pats)
		for _, chunks := range [][][]byte{whole(in), randomChunks(rng, in, 9), randomChunks(rng, in, 300), randomChunks(rng, in, 20000)} {
			if got := run(t, m, chunks, want); !bytes.Equal(got, want) {
				t.Fatalf("round %d, %d writes: output differs from the reference", round, len(chunks))
			}
		}
	}
}

// TestLongValueHeldAcrossWrites: a long value written a few bytes at a
// time is held back whole, nothing of it shown, and comes out as one
// marker; the held tail is exactly what was written of it, and holding it
// costs bytes in proportion to its length, not to its length squared.
func TestLongValueHeldAcrossWrites(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	v := randomValue(rng, 100_000, b64chars)
	m, _ := mask.New([]mask.Secret{{Name: "CERT", Value: v}}, mask.Options{})
	var rec recorder
	w := m.Writer(&rec)
	w.Write([]byte("cert: "))
	for i, c := range slices.Collect(slices.Chunk(v, 7)) {
		w.Write(c)
		if done := min((i+1)*7, len(v)); done < len(v) && (w.Pending() != done || rec.buf.String() != "cert: ") {
			t.Fatalf("after %d bytes of the value: pending %d, out %.40q", done, w.Pending(), rec.buf.String())
		}
	}
	w.Write([]byte("\n"))
	w.Close()
	if got, want := rec.buf.String(), "cert: "+mask.Marker("CERT")+"\n"; got != want {
		t.Fatalf("got %.80q, want %q", got, want)
	}

	write := func(n int) func() any {
		m, _ := mask.New([]mask.Secret{{Name: "V", Value: v[:n]}}, mask.Options{})
		return func() any {
			w := m.Writer(io.Discard)
			for c := range slices.Chunk(v[:n], 7) {
				w.Write(c)
			}
			w.Close()
			return nil
		}
	}
	checkGrowth(t, "a value written 7 bytes at a time", 16, 64, write(6_000), write(96_000))
}

// TestLongPeriodicValueLinear: a periodic value ("abab...") in output that
// repeats its period overlaps itself at every period. Following each
// overlapping candidate on its own costs the value's length at every
// period; one follower with KMP's fallback costs a step a byte. The value
// grows with the output here, so the first is quadratic.
func TestLongPeriodicValueLinear(t *testing.T) {
	job := func(n int) func() any {
		m, _ := mask.New([]mask.Secret{{Name: "AB", Value: bytes.Repeat([]byte("ab"), n/16)}}, mask.Options{})
		in := bytes.Repeat([]byte("ab"), n/2)
		return func() any {
			var rec recorder
			w := m.Writer(&rec)
			for c := range slices.Chunk(in, 4096) {
				w.Write(c)
			}
			w.Close()
			if s := strings.ReplaceAll(rec.buf.String(), mask.Marker("AB"), ""); s != "" {
				t.Errorf("%d bytes: %.40q survives", n, s)
			}
			return nil
		}
	}
	checkGrowth(t, "a periodic value an eighth of the output", 16, 64, job(16<<10), job(256<<10))
}
