package resolve

import "sync"

// known are the values wrapped in a Secret in this process so far: those
// it resolved from any source and those it was given to store. Text that
// comes from outside (a server's error) is redacted of every one of them,
// whichever source or request it was for.
var known struct {
	mu     sync.Mutex
	values []KnownValue
	seen   map[string]bool
}

// KnownValue is one value a Secret was made of, and whether it is a
// structured value's JSON text (whose string leaves are then values too).
type KnownValue struct {
	Value []byte
	JSON  bool
}

func remember(b []byte, isJSON bool) {
	if len(b) == 0 {
		return
	}
	known.mu.Lock()
	defer known.mu.Unlock()
	if known.seen[string(b)] {
		return
	}
	if known.seen == nil {
		known.seen = make(map[string]bool)
	}
	known.seen[string(b)] = true
	known.values = append(known.values, KnownValue{Value: b, JSON: isJSON})
}

// Known returns every value this process has wrapped in a Secret (see
// known). The slices are the Secrets' own: callers must not change them,
// and must show them nowhere.
func Known() []KnownValue {
	known.mu.Lock()
	defer known.mu.Unlock()
	return append([]KnownValue(nil), known.values...)
}
