//go:build linux

package keyring

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prefect-secrets/prefect-secrets/internal/testkit/keyringtest"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// Deadlines here only guard against a hang; a call that must miss its
// deadline is sent to a stopped daemon, which never answers, so no test
// depends on how fast the machine is.
const generous = 60 * time.Second

// setCallHook installs testHookCall for one test.
func setCallHook(t *testing.T, hook func(ctx context.Context, method string) context.Context) {
	t.Helper()
	testHookCall = hook
	t.Cleanup(func() { testHookCall = nil })
}

// method is the last part of a D-Bus method name: "SetSecret".
func method(full string) string { return full[strings.LastIndex(full, ".")+1:] }

func value(t *testing.T, k *Keyring, name string) (string, bool) {
	t.Helper()
	fresh := &Keyring{Service: k.Service, Timeout: generous, Getenv: k.Getenv}
	got, err := fresh.Lookup(context.Background(), []string{name})
	if err != nil {
		t.Fatalf("reading %s back: %v", name, err)
	}
	s, ok := got[name]
	return string(s.Reveal()), ok
}

func secret(s string) resolve.Secret { return resolve.NewSecret([]byte(s)) }

func TestCreateLeavesAnExistingNameAsItIs(t *testing.T) {
	k := newKeyring(t)
	ctx := context.Background()
	if err := k.Create(ctx, "TOKEN", secret("first")); err != nil {
		t.Fatalf("Create of a new name: %v", err)
	}
	err := k.Create(ctx, "TOKEN", secret("second"))
	if !errors.Is(err, resolve.ErrExists) {
		t.Fatalf("Create of a name that is there: %v, want an ErrExists error", err)
	}
	if !strings.Contains(err.Error(), `"TOKEN" already exists`) || resolve.HintText(err) == "" {
		t.Errorf("error %q (hint %q) does not say what exists and what to do", err, resolve.HintText(err))
	}
	if v, _ := value(t, k, "TOKEN"); v != "first" {
		t.Errorf("after a refused Create the value is %q, want the first", v)
	}
}

// Two Creates of one name, a and b: a searches, finds nothing, and is held
// just before its write until b has searched too and is about to write, or
// has found the lock taken. Without the lock both find nothing and both
// write, every time; with it, b searches only after a has stored.
func TestCreateChecksAndWritesInOneStep(t *testing.T) {
	a := newKeyring(t)
	b := &Keyring{Service: a.Service, Timeout: generous, Getenv: a.Getenv}
	type who struct{}
	ctxA := context.WithValue(context.Background(), who{}, "a")
	ctxB := context.WithValue(context.Background(), who{}, "b")
	aAtWrite, bGotThere := make(chan struct{}), make(chan struct{})
	var once sync.Once
	bSignals := func(ctx context.Context) {
		if ctx.Value(who{}) == "b" {
			once.Do(func() { close(bGotThere) })
		}
	}
	setCallHook(t, func(ctx context.Context, m string) context.Context {
		if method(m) == "CreateItem" {
			if ctx.Value(who{}) == "a" {
				close(aAtWrite)
				<-bGotThere
			}
			bSignals(ctx)
		}
		return ctx
	})
	testHookLockBusy = bSignals
	t.Cleanup(func() { testHookLockBusy = nil })

	var errA error
	aDone := make(chan struct{})
	go func() {
		defer close(aDone)
		errA = a.Create(ctxA, "RACE", secret("from a"))
	}()
	select {
	case <-aAtWrite:
	case <-aDone:
		t.Fatalf("a ended before its write: %v", errA)
	}
	errB := b.Create(ctxB, "RACE", secret("from b"))
	<-aDone

	if errA != nil {
		t.Errorf("a, first to search: %v, want success", errA)
	}
	if !errors.Is(errB, resolve.ErrExists) {
		t.Errorf("b, searching while a was about to write: %v, want ErrExists", errB)
	}
	if v, _ := value(t, a, "RACE"); v != "from a" {
		t.Errorf("stored %q, want a's", v)
	}
}

// A writer holding the lock past the deadline: the next write says so and
// writes nothing. The lock is held throughout, so the deadline is certain
// to pass.
func TestWriteWaitsForTheLockWithADeadline(t *testing.T) {
	k := newKeyring(t)
	ctx := context.Background()
	holder := &Keyring{Service: k.Service, Timeout: generous, Getenv: k.Getenv}
	release, err := holder.lock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	busy := &Keyring{Service: k.Service, Timeout: 200 * time.Millisecond, Getenv: k.Getenv}
	for _, op := range []struct {
		name string
		do   func() error
	}{
		{"Create", func() error { return busy.Create(ctx, "WAITS", secret("v")) }},
		{"Set", func() error { return busy.Set(ctx, "WAITS", secret("v")) }},
		{"Delete", func() error { return busy.Delete(ctx, "WAITS") }},
	} {
		err := op.do()
		if !errors.Is(err, resolve.ErrUnavailable) || !strings.Contains(err.Error(), "another prefect-secrets kept the keyring") {
			t.Errorf("%s while the lock is held: %v, want a lock timeout", op.name, err)
		}
	}
	if _, ok := value(t, k, "WAITS"); ok {
		t.Error("a write went through while another held the lock")
	}
	release()
	if err := busy.Create(ctx, "WAITS", secret("v")); err != nil {
		t.Errorf("Create once the lock is free: %v", err)
	}
}

// The lock lives in XDG_RUNTIME_DIR, one file per service, so services do
// not wait on each other.
func TestLockIsPerServiceInTheRuntimeDir(t *testing.T) {
	rt := t.TempDir()
	env := envOf([]string{"XDG_RUNTIME_DIR=" + rt})
	a := &Keyring{Service: "one", Getenv: env}
	b := &Keyring{Service: "two", Getenv: env}
	pa, err := a.lockPath()
	if err != nil {
		t.Fatal(err)
	}
	pb, _ := b.lockPath()
	if !strings.HasPrefix(pa, rt+"/prefect-secrets/") || pa == pb {
		t.Errorf("lock files %q and %q: want two files under %s/prefect-secrets", pa, pb, rt)
	}
	releaseA, err := a.lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer releaseA()
	releaseB, err := b.lock(context.Background())
	if err != nil {
		t.Fatalf("another service's lock: %v", err)
	}
	releaseB()
}

// deleteBehind deletes name through a connection of its own, without the
// lock, as another client (secret-tool, a second program) would.
func deleteBehind(t *testing.T, k *Keyring, name string) {
	t.Helper()
	hook := testHookCall
	testHookCall = nil
	defer func() { testHookCall = hook }()
	other := newBackend(k.Service, generous, k.Getenv)
	if err := other.delete(context.Background(), name); err != nil {
		t.Errorf("deleting %s behind the test's back: %v", name, err)
	}
}

// An item deleted by another client between the search that found it and
// the call on it is "not there": never a failure.
func TestItemThatVanishesMidCallIsNotThere(t *testing.T) {
	vanishAt := func(t *testing.T, k *Keyring, name, at string) {
		done := false
		setCallHook(t, func(ctx context.Context, m string) context.Context {
			if method(m) == at && !done {
				done = true
				deleteBehind(t, k, name)
			}
			return ctx
		})
	}
	ctx := context.Background()

	t.Run("set replaces it with a new item", func(t *testing.T) {
		k := newKeyring(t)
		if err := k.Set(ctx, "GONE", secret("old")); err != nil {
			t.Fatal(err)
		}
		vanishAt(t, k, "GONE", "SetSecret")
		if err := k.Set(ctx, "GONE", secret("new")); err != nil {
			t.Fatalf("set of an item deleted mid-call: %v", err)
		}
		if v, _ := value(t, k, "GONE"); v != "new" {
			t.Errorf("value %q, want the new one", v)
		}
	})
	t.Run("delete finds it not there", func(t *testing.T) {
		k := newKeyring(t)
		if err := k.Set(ctx, "GONE", secret("old")); err != nil {
			t.Fatal(err)
		}
		vanishAt(t, k, "GONE", "Delete")
		if err := k.Delete(ctx, "GONE"); !errors.Is(err, resolve.ErrNotFound) {
			t.Fatalf("delete of an item deleted mid-call: %v, want not found", err)
		}
	})
	t.Run("list leaves it out", func(t *testing.T) {
		k := newKeyring(t)
		for _, n := range []string{"GONE", "STAYS"} {
			if err := k.Set(ctx, n, secret("v")); err != nil {
				t.Fatal(err)
			}
		}
		vanishAt(t, k, "GONE", "Get") // org.freedesktop.DBus.Properties.Get of the first item
		names, err := k.Names(ctx)
		if err != nil || strings.Join(names, ",") != "STAYS" {
			t.Fatalf("Names = %v, %v; want [STAYS]", names, err)
		}
	})
	t.Run("get finds it not there", func(t *testing.T) {
		k := newKeyring(t)
		if err := k.Set(ctx, "GONE", secret("v")); err != nil {
			t.Fatal(err)
		}
		vanishAt(t, k, "GONE", "GetSecrets")
		got, err := k.Lookup(ctx, []string{"GONE"})
		if err != nil || len(got) != 0 {
			t.Fatalf("Lookup = %d values, %v; want none and no error", len(got), err)
		}
	})
}

// stop stops the daemon and waits until it is stopped, so the next call is
// certain to miss its deadline.
func stop(t *testing.T, s *keyringtest.Service) {
	t.Helper()
	if err := syscall.Kill(s.DaemonPid(), syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	stat := fmt.Sprintf("/proc/%d/stat", s.DaemonPid())
	for deadline := time.Now().Add(generous); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		b, err := os.ReadFile(stat)
		if err != nil {
			t.Fatal(err)
		}
		// pid (comm) STATE ...: comm may hold spaces, so split after the last ')'.
		if f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:])); len(f) > 0 && (f[0] == "T" || f[0] == "t") {
			return
		}
	}
	t.Fatal("the keyring daemon did not stop")
}

func resume(t *testing.T, s *keyringtest.Service) {
	t.Helper()
	if err := syscall.Kill(s.DaemonPid(), syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
}

// A write that misses its deadline is read back before anything is said:
// the daemon was only late (stopped while the write waited, resumed before
// the read-back), so the write happened, and the answer is "stored".
// When the daemon stays stopped, the outcome is not known, and the error
// says exactly that.
func TestWriteThatMissedItsDeadlineIsCheckedBeforeAnswering(t *testing.T) {
	ctx := context.Background()
	const short = 100 * time.Millisecond
	// lateWrite makes the call named at miss a short deadline on a stopped
	// daemon; the calls after it get the daemon back (resumeAfter) or a
	// short deadline on the still stopped daemon.
	lateWrite := func(t *testing.T, s *keyringtest.Service, at string, resumeAfter bool) {
		state := "before"
		setCallHook(t, func(ctx context.Context, m string) context.Context {
			switch {
			case state == "before" && method(m) == at:
				state = "after"
				stop(t, s)
				ctx, cancel := context.WithTimeout(ctx, short)
				t.Cleanup(cancel)
				return ctx
			case state == "after" && resumeAfter:
				state = "resumed"
				resume(t, s)
			case state == "after":
				ctx, cancel := context.WithTimeout(ctx, short)
				t.Cleanup(cancel)
				return ctx
			}
			return ctx
		})
	}
	newOn := func(t *testing.T) (*keyringtest.Service, *Keyring) {
		s := startFault(t, true)
		t.Cleanup(func() { _ = syscall.Kill(s.DaemonPid(), syscall.SIGCONT) })
		return s, &Keyring{Service: "late", Timeout: generous, Getenv: envOf(s.Env)}
	}

	for _, c := range []struct {
		name, at string
		before   bool // the name is there before the write
	}{
		{"replace in place", "SetSecret", true},
		{"new item", "CreateItem", false},
	} {
		t.Run(c.name+": stored late is stored", func(t *testing.T) {
			s, k := newOn(t)
			if c.before {
				if err := k.Set(ctx, "T", secret("old")); err != nil {
					t.Fatal(err)
				}
			}
			lateWrite(t, s, c.at, true)
			if err := k.Set(ctx, "T", secret("new")); err != nil {
				t.Fatalf("a write that happened late: %v, want success", err)
			}
			testHookCall = nil
			if v, _ := value(t, k, "T"); v != "new" {
				t.Errorf("value %q, want the new one", v)
			}
		})
		t.Run(c.name+": no answer at all is not known", func(t *testing.T) {
			s, k := newOn(t)
			if c.before {
				if err := k.Set(ctx, "T", secret("old")); err != nil {
					t.Fatal(err)
				}
			}
			lateWrite(t, s, c.at, false)
			err := k.Set(ctx, "T", secret("new-canary"))
			if !errors.Is(err, resolve.ErrUnavailable) || !strings.Contains(err.Error(), "whether the new value was stored is not known") {
				t.Fatalf("a write with no answer, nor to the read-back: %v, want it to say the outcome is not known", err)
			}
			if strings.Contains(err.Error(), "canary") || strings.Contains(resolve.HintText(err), "canary") {
				t.Errorf("error shows the value: %v", err)
			}
		})
	}

	t.Run("delete: deleted late is deleted", func(t *testing.T) {
		s, k := newOn(t)
		if err := k.Set(ctx, "T", secret("v")); err != nil {
			t.Fatal(err)
		}
		lateWrite(t, s, "Delete", true)
		if err := k.Delete(ctx, "T"); err != nil {
			t.Fatalf("a delete that happened late: %v, want success", err)
		}
		testHookCall = nil
		if _, ok := value(t, k, "T"); ok {
			t.Error("T is still there")
		}
	})
	t.Run("delete: no answer at all is not known", func(t *testing.T) {
		s, k := newOn(t)
		if err := k.Set(ctx, "T", secret("v")); err != nil {
			t.Fatal(err)
		}
		lateWrite(t, s, "Delete", false)
		err := k.Delete(ctx, "T")
		if !errors.Is(err, resolve.ErrUnavailable) || !strings.Contains(err.Error(), "whether it was deleted is not known") {
			t.Fatalf("a delete with no answer: %v, want it to say the outcome is not known", err)
		}
	})
}
