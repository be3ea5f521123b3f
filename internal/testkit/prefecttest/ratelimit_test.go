package prefecttest

import (
	"testing"
	"time"
)

// The bucket holds burst tokens, gains rate a second up to burst, and
// refuses a request that finds no whole token without using one.
func TestTokenBucketAdmit(t *testing.T) {
	t0 := time.Now()
	tb := tokenBucket{on: true, rate: 30, burst: 3, tokens: 3, last: t0, retryAfter: "1"}
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	for i, step := range []struct {
		ms      int
		refused bool
	}{
		{0, false}, {0, false}, {0, false}, {0, true}, {10, true}, // burst spent; 1/3 token by 10 ms
		{34, false}, {35, true}, // a whole token by 33.3 ms
		{1000, false}, {1000, false}, {1000, false}, {1000, true}, // a second idle refills only up to burst
	} {
		refused, ra := tb.admit(at(step.ms), false, "")
		if refused != step.refused {
			t.Errorf("step %d at %d ms: refused %v, want %v", i, step.ms, refused, step.refused)
		}
		if refused && ra != "1" {
			t.Errorf("step %d: Retry-After %q", i, ra)
		}
	}
	// Refused already (Throttle): no token taken.
	tb = tokenBucket{on: true, rate: 0, burst: 1, tokens: 1, last: t0, retryAfter: "1"}
	if refused, ra := tb.admit(t0, true, "2"); !refused || ra != "2" || tb.tokens != 1 {
		t.Errorf("a throttled request: refused %v, Retry-After %q, %v tokens left", refused, ra, tb.tokens)
	}
	// Off: everything passes.
	off := tokenBucket{}
	if refused, _ := off.admit(t0, false, ""); refused {
		t.Error("the zero bucket refused a request")
	}
}

// RateLimit on a server: the burst passes, then 429s with Retry-After
// and FastAPI's body, recorded as such; RateLimit(-1, ...) turns it off.
func TestRateLimit(t *testing.T) {
	ft := newFakeT(t)
	s := NewV2(ft)
	s.RateLimit(0, 2, "1")
	for i := range 4 {
		r := do(t, nil, "GET", s.URL()+"/health", "")
		want := 200
		if i >= 2 {
			want = 429
			if r.header.Get("Retry-After") != "1" || string(r.body) != throttleBody {
				t.Errorf("request %d: Retry-After %q, body %q", i, r.header.Get("Retry-After"), r.body)
			}
		}
		wantStatus(t, r, want)
	}
	if reqs := s.Requests(); len(reqs) != 4 || reqs[3].Status != 429 {
		t.Errorf("recorded %+v", reqs)
	}
	s.RateLimit(-1, 0, "")
	wantStatus(t, do(t, nil, "GET", s.URL()+"/health", ""), 200)
	ft.wantNone(t)
}
