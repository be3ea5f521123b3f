//go:build !race

// The 1 GiB stream: too slow under the race detector.

package mask_test

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/prefect-secrets/prefect-secrets/mask"
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

func TestStream1GiB(t *testing.T) {
	if testing.Short() {
		t.Skip("1 GiB stream: skipped with -short")
	}
	const size = 1 << 30
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
	buf := make([]byte, 32<<10)
	start := time.Now()
	var total int64
	for {
		n, err := io.ReadFull(in, buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				t.Fatal(werr)
			}
			total += int64(n)
			if p := w.Pending(); p > 64 {
				t.Fatalf("%d bytes held back after %d bytes in; the longest secret form is under 64", p, total)
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
	mbs := float64(total) / d.Seconds() / (1 << 20)
	t.Logf("%d bytes in, %d out in %d writes, in %v: %.0f MiB/s", total, chk.n, chk.writes, d, mbs)
	if d > 60*time.Second {
		t.Errorf("1 GiB took %v (%.0f MiB/s): far too slow", d, mbs)
	}
}
