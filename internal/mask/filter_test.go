package mask_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/prefect-secrets/prefect-secrets/internal/mask"
)

// TestSkipFilterMatchesReference drives the skip filter (secrets of 8 bytes
// and more, writes long enough to sample) with random text that is dense
// in secret fragments, encodings and near misses, split at random, and
// checks the output against the reference, as the exact scan alone would.
func TestSkipFilterMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	const alphabet = "abcdefghij0123456789 =\n"
	for round := 0; round < 300; round++ {
		var secrets []mask.Secret
		for i := 0; i < 1+rng.IntN(6); i++ {
			v := make([]byte, 8+rng.IntN(33))
			for j := range v {
				v[j] = alphabet[rng.IntN(len(alphabet)-2)]
			}
			secrets = append(secrets, mask.Secret{Name: fmt.Sprint("S", i), Value: v})
		}
		pats := refPatterns(secrets, mask.DefaultMinLen)
		var in []byte
		for len(in) < 2000+rng.IntN(20000) {
			switch rng.IntN(4) {
			case 0:
				p := pats[rng.IntN(len(pats))].b
				in = append(in, p...)
			case 1:
				p := pats[rng.IntN(len(pats))].b
				in = append(in, p[:rng.IntN(len(p))]...) // a near miss
			default:
				for k := rng.IntN(200); k > 0; k-- {
					in = append(in, alphabet[rng.IntN(len(alphabet))])
				}
			}
		}
		m, _ := mask.New(secrets, mask.Options{})
		want := refMask(in, pats)
		for _, chunks := range [][][]byte{randomChunks(rng, in, 8192), whole(in)} {
			if got := run(t, m, chunks, want); !bytes.Equal(got, want) {
				t.Fatalf("round %d, %d writes: output differs from the reference:\n got %.200q\nwant %.200q", round, len(chunks), got, want)
			}
		}
	}
}
