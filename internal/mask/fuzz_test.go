package mask_test

import (
	"bytes"
	"fmt"
	"slices"
	"testing"

	"github.com/prefect-secrets/prefect-secrets/internal/mask"
)

// fuzzSecrets derives 1 to 4 secrets from b: a length byte (4 + b%13, so 4
// to 16 bytes) then that many bytes of value, repeated.
func fuzzSecrets(b []byte) []mask.Secret {
	var secrets []mask.Secret
	for i := 0; len(secrets) < 4 && i < len(b); {
		l := 4 + int(b[i])%13
		i++
		l = min(l, len(b)-i)
		if l < 4 {
			break
		}
		secrets = append(secrets, mask.Secret{Name: fmt.Sprintf("S%d", len(secrets)), Value: b[i : i+l]})
		i += l
	}
	return secrets
}

// encodeSecrets is the inverse of fuzzSecrets, for seeds.
func encodeSecrets(values ...string) []byte {
	var b []byte
	for _, v := range values {
		if len(v) < 4 || len(v) > 16 {
			panic("seed value of " + fmt.Sprint(len(v)) + " bytes")
		}
		b = append(b, byte(len(v)-4))
		b = append(b, v...)
	}
	return b
}

// fuzzInput is input with masked forms of the secrets (or prefixes of them)
// inserted as ins says, three bytes an insertion: where, which form, and
// whether to cut it short. So the fuzzer need not find the secrets itself.
func fuzzInput(input, ins []byte, pats []refPattern) []byte {
	out := append([]byte(nil), input...)
	if len(pats) == 0 {
		return out
	}
	for k := 0; k+2 < len(ins) && k < 3*32; k += 3 {
		p := pats[int(ins[k+1])%len(pats)].b
		if c := ins[k+2]; c >= 128 {
			p = p[:int(c-128)%len(p)]
		}
		at := int(ins[k]) * (len(out) + 1) / 256
		out = append(out[:at], append(append([]byte(nil), p...), out[at:]...)...)
	}
	return out
}

// fuzzChunks splits in: each byte of splits is the size of a write (0 an
// empty one, taken modulo 64); what remains is the last write.
func fuzzChunks(in, splits []byte) [][]byte {
	var out [][]byte
	for _, b := range splits {
		n := min(int(b)%64, len(in))
		out = append(out, in[:n])
		in = in[n:]
	}
	return append(out, in)
}

// fuzzFlushes says after which writes of fuzzChunks an idle Flush comes:
// those whose size byte has its top bit set.
func fuzzFlushes(splits []byte) []bool {
	out := make([]bool, len(splits)+1)
	for i, b := range splits {
		out[i] = b >= 128
	}
	return out
}

// runFlushing writes chunks through a Writer of m, with an idle Flush after
// chunk i when flushes[i], and closes it. After each Flush, no more may be
// held than the longest end of the output so far that starts a form: the
// rest of a prompt shows at once.
func runFlushing(t testing.TB, m *mask.Masker, chunks [][]byte, flushes []bool, pats []refPattern) []byte {
	t.Helper()
	var rec recorder
	w := m.Writer(&rec)
	var sent []byte
	for i, c := range chunks {
		w.Write(c)
		sent = append(sent, c...)
		if flushes[i] {
			w.Flush()
			if p := refPending(sent, pats); w.Pending() > p {
				t.Fatalf("after %q and a Flush: %d bytes held, want at most %d", sent, w.Pending(), p)
			}
		}
	}
	w.Close()
	return rec.buf.Bytes()
}

// clearPieces are the pieces of out between markers, empty ones left out:
// what of the output is shown as it came.
func clearPieces(out []byte) [][]byte {
	return slices.DeleteFunc(splitMarkers(out), func(b []byte) bool { return len(b) == 0 })
}

// maxFuzzInput keeps each run fast: long runs of one secret are
// TestLongRun's business.
const maxFuzzInput = 4096

func addSeeds(f *testing.F) {
	type seed struct {
		input   string
		secrets []string
		ins     []byte
		splits  []byte
	}
	seeds := []seed{
		{"hello abcdef world", []string{"abcd", "abcdef", "bcde", "cdefgh"}, nil, []byte{3, 1, 1, 1}},
		{"abcdefghabcdabcde", []string{"abcd", "abcdef", "bcde", "cdefgh"}, []byte{0, 1, 0, 128, 3, 130}, []byte{1, 2, 3, 4, 5}},
		{"xx", []string{"aaaa", "aaaaaa"}, []byte{0, 0, 0, 255, 1, 0}, []byte{1}},
		{"aaaaaaaaaaaaaaaaaaaaaaaa", []string{"aaaa"}, nil, []byte{5, 7}},
		{"\x00\xff\xfe\x00", []string{"\x00\xff\xfe\x00", "a\x00b\x00c"}, []byte{128, 0, 0}, []byte{1, 1, 1, 1, 1, 1, 1}},
		{"\xc3(\xe2\x82 invalid utf8 \xed\xa0\x80", []string{"s3cr3t-\xff"}, []byte{100, 0, 0, 200, 2, 0}, nil},
		{"log: ", []string{"line-one\nline", "two-lines"}, []byte{255, 0, 0, 255, 1, 0, 255, 2, 0}, []byte{2, 2, 2}},
		{"url=?q=", []string{"p@ss w0rd&x=1", "<a>&\"b\"\\"}, []byte{255, 3, 0, 0, 5, 0, 128, 10, 0, 60, 12, 0}, []byte{9, 0, 9}},
		{"prompt> ", []string{"prompt> secret"}, []byte{255, 0, 140}, nil},
		{"abab", []string{"abab", "baba", "ababab"}, []byte{255, 0, 0, 255, 1, 0, 128, 2, 0}, []byte{1, 1, 1}},
		{"tail at end ", []string{"the-end!"}, []byte{255, 0, 0}, []byte{12, 1}},
		{"", []string{"wxyz"}, nil, nil},
		{"<prefect-secret:S0>", []string{"cret:S0>", "<pre"}, []byte{0, 0, 0}, []byte{3, 4}},
		// Idle flushes (a size byte of 128 or more) between the pieces of
		// a value written slowly, and between those of its forms.
		{"slow: ", []string{"hunter2-slow"}, []byte{255, 0, 0}, []byte{6 | 128, 3 | 128, 3 | 128, 2 | 128}},
		{"Authorization: Basic ", []string{"deploy:pw", "pw-of-9ch"}, []byte{255, 3, 0, 255, 10, 0}, []byte{130, 130, 130, 130, 130, 130}},
		// Quoted forms: ' " \\ non-ASCII, a control, a byte not UTF-8.
		{"+ : '", []string{"it's-\"ä\"", "a\\b\tc\x01\xff"}, []byte{255, 0, 0, 255, 20, 0, 0, 30, 0, 128, 40, 0}, []byte{5, 129, 1, 1, 129}},
		{"x", []string{"#~p ä😀"}, []byte{255, 0, 0, 255, 25, 0, 255, 33, 0}, []byte{129, 129, 129, 129}},
	}
	for _, s := range seeds {
		f.Add([]byte(s.input), encodeSecrets(s.secrets...), s.ins, s.splits)
	}
}

// FuzzMaskNoSecretSurvives: for any input, any secrets and any split of the
// input into writes, the output is the reference's (so the output equals
// the input wherever no secret occurs), and no value survives in it.
func FuzzMaskNoSecretSurvives(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, input, secs, ins, splits []byte) {
		secrets := fuzzSecrets(secs)
		if len(secrets) == 0 {
			return
		}
		m, short := mask.New(secrets, mask.Options{})
		if len(short) != 0 {
			t.Fatalf("values of 4 bytes or more reported too short: %q", short)
		}
		pats := refPatterns(secrets, 0)
		in := fuzzInput(input, ins, pats)
		if len(in) > maxFuzzInput {
			return
		}
		want := refMask(in, pats)
		got := run(t, m, fuzzChunks(in, splits), want)
		if !bytes.Equal(got, want) {
			t.Fatalf("secrets %q\ninput %q\nchunks %q\n got %q\nwant %q", values(secrets), in, fuzzChunks(in, splits), got, want)
		}
		assertNoSecret(t, got, values(secrets)...)
		// With idle flushes between writes, a value written slowly: the
		// markers may come in more pieces, but what shows in clear is the
		// same, so no part of a value shows.
		chunks := fuzzChunks(in, splits)
		flushed := runFlushing(t, m, chunks, fuzzFlushes(splits), pats)
		if g, w := clearPieces(flushed), clearPieces(want); !slices.EqualFunc(g, w, bytes.Equal) {
			t.Fatalf("with flushes: secrets %q\ninput %q\nchunks %q\n got %q\nwant %q", values(secrets), in, chunks, flushed, want)
		}
	})
}

// FuzzMaskSplitInvariance: the output does not depend on how the input is
// split into writes (one write, the fuzzer's split, a byte at a time).
func FuzzMaskSplitInvariance(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, input, secs, ins, splits []byte) {
		secrets := fuzzSecrets(secs)
		m, _ := mask.New(secrets, mask.Options{})
		in := fuzzInput(input, ins, refPatterns(secrets, 0))
		if len(in) > maxFuzzInput {
			return
		}
		one := run(t, m, whole(in), nil)
		if got := run(t, m, fuzzChunks(in, splits), one); !bytes.Equal(got, one) {
			t.Fatalf("secrets %q\ninput %q\nchunks %q\n got %q\nwhole %q", values(secrets), in, fuzzChunks(in, splits), got, one)
		}
		if got := run(t, m, bytewise(in), one); !bytes.Equal(got, one) {
			t.Fatalf("secrets %q\ninput %q byte by byte\n got %q\nwhole %q", values(secrets), in, got, one)
		}
	})
}

func values(secrets []mask.Secret) []string {
	var vs []string
	for _, s := range secrets {
		vs = append(vs, string(s.Value))
	}
	return vs
}

// fuzzLongSecrets derives 1 to 3 long secrets from b, three fields each: a
// fragment length (1 to 8), a repeat count (2 to 61) and a tail byte, then
// the fragment. A value is the fragment repeated, and the tail byte when it
// is odd: periodic values, overlapping themselves and sharing prefixes,
// which the automaton's anchors hand to runners.
func fuzzLongSecrets(b []byte) []mask.Secret {
	var secrets []mask.Secret
	for i := 0; len(secrets) < 3 && i+3 < len(b); {
		l, reps, tail := 1+int(b[i])%8, 2+int(b[i+1])%60, b[i+2]
		i += 3
		frag := b[i:min(i+l, len(b))]
		i += len(frag)
		v := bytes.Repeat(frag, reps)
		if tail%2 == 1 {
			v = append(v, tail)
		}
		if len(v) >= mask.DefaultMinLen {
			secrets = append(secrets, mask.Secret{Name: fmt.Sprintf("L%d", len(secrets)), Value: v})
		}
	}
	return secrets
}

// FuzzMaskLongSecrets: as FuzzMaskNoSecretSurvives, with long periodic
// values (up to 489 bytes) in place of short ones.
func FuzzMaskLongSecrets(f *testing.F) {
	for _, s := range []struct{ input, secs, ins, splits []byte }{
		{[]byte("hello abababab"), []byte{1, 20, 1, 'a', 'b', 0, 30, 2, 'a'}, []byte{255, 0, 0, 128, 1, 140}, []byte{3, 9, 27}},
		{[]byte("xxxx"), []byte{3, 10, 0, 'a', 'b', 'c', 2, 12, 5, 'a', 'b', 'c'}, []byte{0, 0, 0, 0, 1, 0, 128, 2, 150}, []byte{1, 1, 1, 63}},
		{[]byte("=\n="), []byte{0, 59, 3, '='}, []byte{128, 0, 0, 200, 0, 200}, nil},
	} {
		f.Add(s.input, s.secs, s.ins, s.splits)
	}
	f.Fuzz(func(t *testing.T, input, secs, ins, splits []byte) {
		secrets := fuzzLongSecrets(secs)
		if len(secrets) == 0 {
			return
		}
		m, _ := mask.New(secrets, mask.Options{})
		pats := refPatterns(secrets, 0)
		in := fuzzInput(input, ins, pats)
		if len(in) > 4*maxFuzzInput {
			return
		}
		want := refMask(in, pats)
		for _, chunks := range [][][]byte{fuzzChunks(in, splits), whole(in)} {
			if got := run(t, m, chunks, want); !bytes.Equal(got, want) {
				t.Fatalf("secrets %q\ninput %q\n got %q\nwant %q", values(secrets), in, got, want)
			}
		}
	})
}
