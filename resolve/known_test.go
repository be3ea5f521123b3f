package resolve

import (
	"bytes"
	"testing"
)

// Every value wrapped in a Secret is known, once, whichever way it was
// made, and a structured one as such.
func TestKnownHoldsEveryValueOnce(t *testing.T) {
	a, b := []byte("known-canary-a"), []byte(`{"known":"canary-b"}`)
	NewSecret(a)
	NewJSONSecret(b)
	NewSecret(a)
	NewSecret(nil)
	count := func(v []byte) int {
		n := 0
		for _, k := range Known() {
			if bytes.Equal(k.Value, v) {
				n++
				if k.JSON != bytes.Equal(v, b) {
					t.Errorf("Known holds %q with JSON %v", v, k.JSON)
				}
			}
		}
		return n
	}
	if count(a) != 1 || count(b) != 1 {
		t.Fatalf("Known holds %q %d times and %q %d times, want once each", a, count(a), b, count(b))
	}
	for _, k := range Known() {
		if len(k.Value) == 0 {
			t.Fatal("Known holds an empty value")
		}
	}
}
