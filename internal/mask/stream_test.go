package mask_test

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/prefect-secrets/prefect-secrets/internal/mask"
)

// streamGen generates the test stream: filler (lowercase text, which no
// masked form of the secrets can occur in) and a secret, again and again,
// until limit bytes of input. With markers set it generates the output
// expected instead: the same stream, a marker in place of each secret.
type streamGen struct {
	rng     *rand.Rand
	filler  []byte
	secrets []mask.Secret
	markers bool
	limit   int64
	n       int64 // input bytes generated
	queue   [][]byte
}

func newStreamGen(secrets []mask.Secret, filler []byte, limit int64, markers bool) *streamGen {
	return &streamGen{rng: rand.New(rand.NewPCG(11, 12)), filler: filler, secrets: secrets, markers: markers, limit: limit}
}

func (g *streamGen) Read(p []byte) (int, error) {
	for len(g.queue) == 0 || len(g.queue[0]) == 0 {
		if len(g.queue) > 0 {
			g.queue = g.queue[1:]
			continue
		}
		if g.n >= g.limit {
			return 0, io.EOF
		}
		l := g.rng.IntN(64 << 10)
		off := g.rng.IntN(len(g.filler) - l)
		s := g.secrets[g.rng.IntN(len(g.secrets))]
		g.n += int64(l + len(s.Value))
		g.queue = append(g.queue, g.filler[off:off+l])
		if g.markers {
			g.queue = append(g.queue, []byte(mask.Marker(s.Name)))
		} else {
			g.queue = append(g.queue, s.Value)
		}
	}
	n := copy(p, g.queue[0])
	g.queue[0] = g.queue[0][n:]
	return n, nil
}

// checker compares what it is written with a stream of expected output.
type checker struct {
	want     io.Reader
	buf      []byte
	n        int64
	writes   int
	mismatch int64
}

func (c *checker) Write(p []byte) (int, error) {
	c.writes++
	if cap(c.buf) < len(p) {
		c.buf = make([]byte, len(p))
	}
	b := c.buf[:len(p)]
	k, _ := io.ReadFull(c.want, b)
	if k != len(p) || !bytes.Equal(b, p) {
		if c.mismatch < 0 {
			i := 0
			for i < k && b[i] == p[i] {
				i++
			}
			c.mismatch = c.n + int64(i)
		}
	}
	c.n += int64(len(p))
	return len(p), nil
}

// TestStreamLong: a long stream (1 GiB; 128 MiB under the race detector,
// which CI runs, so that 2 busy cores carry it) of text with 100 secrets
// in it, written in pieces of 1 byte to 64 KiB (about 4 KiB on average,
// so a secret is often split): the output is exactly the
// stream with a marker for each secret, nothing lost, duplicated or left
// over; what is held back never exceeds the longest secret; and the heap
// stays flat, checked at eight points along the way.
func TestStreamLong(t *testing.T) {
	size := int64(1 << 30)
	if raceOn {
		size = 128 << 20
	}
	rng := rand.New(rand.NewPCG(13, 14))
	var secrets []mask.Secret
	const upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	for i := range 100 {
		v := []byte(fmt.Sprintf("SK%02d-", i))
		for range 8 + rng.IntN(24) {
			v = append(v, upper[rng.IntN(len(upper))])
		}
		secrets = append(secrets, mask.Secret{Name: fmt.Sprintf("TOKEN_%02d", i), Value: v})
	}
	filler := make([]byte, 1<<20)
	const lower = "abcdefghijklmnopqrstuvwxyz      \n"
	for i := range filler {
		filler[i] = lower[rng.IntN(len(lower))]
	}
	m, short := mask.New(secrets, mask.Options{})
	if len(short) != 0 {
		t.Fatal(short)
	}

	in := newStreamGen(secrets, filler, size, false)
	chk := &checker{want: newStreamGen(secrets, filler, size, true), mismatch: -1}
	w := m.Writer(chk)
	buf := make([]byte, 64<<10)
	heap := func() int64 {
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return int64(ms.HeapAlloc)
	}
	var heaps []int64
	start := time.Now()
	var total int64
	next := size / 8
	for {
		// Write sizes spread evenly over the powers of two up to 64 KiB.
		n, err := io.ReadFull(in, buf[:1+rng.IntN(1<<rng.IntN(17))])
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				t.Fatal(werr)
			}
			total += int64(n)
			if p := w.Pending(); p > 64 {
				t.Fatalf("%d bytes held back after %d bytes in; the longest secret form is under 64", p, total)
			}
			if total >= next {
				heaps = append(heaps, heap())
				next += size / 8
			}
		}
		if err != nil {
			break
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	d := time.Since(start)
	if rest, _ := io.Copy(io.Discard, chk.want); rest != 0 {
		t.Errorf("output short by %d bytes (%d bytes out)", rest, chk.n)
	}
	if chk.mismatch >= 0 {
		t.Errorf("output differs from the expected at byte %d", chk.mismatch)
	}
	t.Logf("%d bytes in, %d out in %d writes, in %v: %.0f MiB/s; heap at each eighth: %d", total, chk.n, chk.writes, d, float64(total)/d.Seconds()/(1<<20), heaps)
	if grown := slices.Max(heaps) - heaps[0]; grown > 1<<20 {
		t.Errorf("the heap grew by %d bytes over the stream (%d): something is kept", grown, heaps)
	}
}
