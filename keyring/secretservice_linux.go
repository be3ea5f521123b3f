//go:build linux

package keyring

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/prefect-secrets/prefect-secrets/resolve"
)

const (
	platformKeyring = "Secret Service"
	maxValueBytes   = 0 // the Secret Service has no limit of its own

	ssName       = "org.freedesktop.secrets"
	ssPath       = dbus.ObjectPath("/org/freedesktop/secrets")
	ssService    = "org.freedesktop.Secret.Service"
	ssCollection = "org.freedesktop.Secret.Collection"
	ssItem       = "org.freedesktop.Secret.Item"
	noPrompt     = dbus.ObjectPath("/")

	hintStartKeyring = "start one: dbus-run-session -- $SHELL, then gnome-keyring-daemon --unlock --components=secrets (it reads a password on stdin); see docs/keyring.md"
	hintHung         = "is the keyring daemon stopped or hung? resume it (kill -CONT) or restart gnome-keyring-daemon; --timeout sets the deadline"
	hintLocked       = "unlock it: log in to your desktop session, or run gnome-keyring-daemon --replace --unlock --components=secrets with the password on stdin"
)

// ssSecret is the Secret Service's Secret struct (oayays).
type ssSecret struct {
	Session     dbus.ObjectPath
	Parameters  []byte
	Value       []byte
	ContentType string
}

// secretService speaks the freedesktop Secret Service API over D-Bus. One
// connection and one session serve every call of a command; every call has
// its own deadline.
type secretService struct {
	service string
	timeout time.Duration
	getenv  func(string) string

	address string
	conn    *dbus.Conn
	obj     dbus.BusObject
	session dbus.ObjectPath
	openErr error
}

func newBackend(service string, timeout time.Duration, getenv func(string) string) backend {
	if getenv == nil {
		getenv = os.Getenv
	}
	return &secretService{service: service, timeout: timeout, getenv: getenv}
}

func (s *secretService) where() string {
	return fmt.Sprintf("the Secret Service (D-Bus), items with service=%q", s.service)
}

// busAddress is the session bus address as D-Bus clients find it: the
// variable, else the well-known socket in XDG_RUNTIME_DIR.
func (s *secretService) busAddress() string {
	if a := s.getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" && a != "autolaunch:" {
		return a
	}
	if rt := s.getenv("XDG_RUNTIME_DIR"); rt != "" {
		sock := filepath.Join(rt, "bus")
		if info, err := os.Stat(sock); err == nil && info.Mode()&os.ModeSocket != 0 {
			return "unix:path=" + sock
		}
	}
	return ""
}

// open connects once; its error is kept, so later calls fail the same way.
func (s *secretService) open(ctx context.Context) error {
	if s.conn != nil || s.openErr != nil {
		return s.openErr
	}
	s.openErr = s.connect(ctx)
	return s.openErr
}

func (s *secretService) connect(ctx context.Context) error {
	s.address = s.busAddress()
	if s.address == "" {
		return &resolve.AbsentError{Source: "keyring",
			Reason: "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)",
			Hint:   hintStartKeyring}
	}
	// The connection lives as long as the command; only its set-up is bound
	// by the deadline, through a timer that closes it if the bus is silent.
	connCtx, cancel := context.WithCancel(context.Background())
	timer := time.AfterFunc(s.timeout, cancel)
	conn, err := dbus.Connect(s.address, dbus.WithContext(connCtx))
	stopped := timer.Stop()
	if err != nil {
		cancel()
		if !stopped {
			return timeoutError("connecting to the session bus", s.timeout, hintHung)
		}
		return &resolve.Error{Kind: resolve.ErrUnavailable,
			Msg:  fmt.Sprintf("cannot connect to the D-Bus session bus at %s", s.address),
			Hint: "the bus is gone: start a new session (dbus-run-session), or unset DBUS_SESSION_BUS_ADDRESS if no keyring is wanted",
			Err:  errors.New(dbusReason(err))}
	}
	s.conn = conn
	s.obj = conn.Object(ssName, ssPath)

	var owned bool
	if err := s.callOn(ctx, conn.BusObject(), "checking for a Secret Service", "org.freedesktop.DBus.NameHasOwner", ssName).Store(&owned); err != nil {
		return s.fail("checking for a Secret Service", err)
	}
	if !owned {
		var activatable []string
		if err := s.callOn(ctx, conn.BusObject(), "checking for a Secret Service", "org.freedesktop.DBus.ListActivatableNames").Store(&activatable); err != nil {
			return s.fail("checking for a Secret Service", err)
		}
		if !slices.Contains(activatable, ssName) {
			return noSecretService()
		}
	}
	var ignored dbus.Variant
	if err := s.call(ctx, "opening a session", ssService+".OpenSession", "plain", dbus.MakeVariant("")).Store(&ignored, &s.session); err != nil {
		return s.fail("opening a session", err)
	}
	return nil
}

func noSecretService() error {
	return &resolve.AbsentError{Source: "keyring",
		Reason: "no Secret Service on the session bus (nothing provides org.freedesktop.secrets)",
		Hint:   "install and start one: apt install gnome-keyring, then gnome-keyring-daemon --unlock --components=secrets"}
}

// deadlineCall is a D-Bus call's result plus what is needed to explain a
// failure.
type deadlineCall struct {
	s    *secretService
	what string
	call *dbus.Call
	ctx  context.Context
}

func (s *secretService) call(ctx context.Context, what, method string, args ...any) *deadlineCall {
	return s.callOn(ctx, s.obj, what, method, args...)
}

func (s *secretService) callOn(ctx context.Context, obj dbus.BusObject, what, method string, args ...any) *deadlineCall {
	cctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if testHookCall != nil {
		cctx = testHookCall(cctx, method)
	}
	c := obj.CallWithContext(cctx, method, 0, args...)
	return &deadlineCall{s: s, what: what, call: c, ctx: cctx}
}

// testHookCall, set by tests only, sees each call before it is sent: it
// may stop the daemon or give the call a deadline of its own, so a test can
// make one exact call miss its deadline.
var testHookCall func(ctx context.Context, method string) context.Context

// Store stores the reply, turning a missed deadline into a timeout error.
func (c *deadlineCall) Store(out ...any) error {
	if c.ctx.Err() == context.DeadlineExceeded {
		return timeoutError(c.what, c.s.timeout, hintHung)
	}
	if c.call.Err != nil {
		return c.call.Err
	}
	return c.call.Store(out...)
}

func (c *deadlineCall) Err() error { return c.Store() }

// timedOut says the call missed its deadline: what it asked for may still
// happen.
func (c *deadlineCall) timedOut() bool { return c.ctx.Err() == context.DeadlineExceeded }

// vanished says an item a call was made on is gone: deleted between the
// search that found it and the call, by another client. That item is not
// there, which is not a failure.
func vanished(err error) bool {
	switch dbusErrorName(err) {
	case "org.freedesktop.DBus.Error.UnknownObject", "org.freedesktop.DBus.Error.UnknownInterface",
		"org.freedesktop.DBus.Error.UnknownMethod", "org.freedesktop.Secret.Error.NoSuchObject":
		return true
	}
	return false
}

// dbusErrorName is the name of the D-Bus error in err's tree ("" if none):
// godbus returns it by value or by pointer.
func dbusErrorName(err error) string {
	var de dbus.Error
	var dep *dbus.Error
	switch {
	case errors.As(err, &de):
		return de.Name
	case errors.As(err, &dep):
		return dep.Name
	}
	return ""
}

// fail turns a D-Bus error into one that says what to do.
func (s *secretService) fail(what string, err error) error {
	var re *resolve.Error
	if errors.As(err, &re) {
		return err
	}
	switch dbusErrorName(err) {
	case "org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner", "org.freedesktop.DBus.Error.Spawn.ChildExited":
		return noSecretService()
	case "org.freedesktop.Secret.Error.IsLocked":
		return &resolve.Error{Kind: resolve.ErrUnavailable, Msg: "the keyring is locked (" + what + ")", Hint: hintLocked}
	case "org.freedesktop.DBus.Error.AccessDenied":
		return &resolve.Error{Kind: resolve.ErrDenied, Msg: "the keyring refused access (" + what + ")", Err: errors.New(dbusReason(err))}
	}
	return &resolve.Error{Kind: resolve.ErrUnavailable, Msg: "the keyring failed " + what, Err: errors.New(dbusReason(err))}
}

// dbusReason is a D-Bus error's message, without anything but names.
func dbusReason(err error) string {
	var de dbus.Error
	if errors.As(err, &de) {
		if len(de.Body) > 0 {
			if msg, ok := de.Body[0].(string); ok {
				return msg
			}
		}
		return de.Name
	}
	return err.Error()
}

func (s *secretService) attrs(name string) map[string]string {
	return map[string]string{"service": s.service, "username": name}
}

// search finds the items holding name: the unlocked first, then the locked.
func (s *secretService) search(ctx context.Context, name string) (unlocked, locked []dbus.ObjectPath, err error) {
	if err := s.call(ctx, "searching for "+resolve.QuoteName(name), ssService+".SearchItems", s.attrs(name)).Store(&unlocked, &locked); err != nil {
		return nil, nil, s.fail("searching for "+resolve.QuoteName(name), err)
	}
	return unlocked, locked, nil
}

// unlock asks the service to unlock objects. A daemon that needs to ask the
// user (a prompt) cannot be answered here: that is a locked keyring.
func (s *secretService) unlock(ctx context.Context, objects []dbus.ObjectPath) error {
	var unlocked []dbus.ObjectPath
	var prompt dbus.ObjectPath
	if err := s.call(ctx, "unlocking", ssService+".Unlock", objects).Store(&unlocked, &prompt); err != nil {
		return s.fail("unlocking", err)
	}
	if prompt != noPrompt || len(unlocked) < len(objects) {
		return &resolve.Error{Kind: resolve.ErrUnavailable, Msg: "the keyring is locked", Hint: hintLocked}
	}
	return nil
}

func (s *secretService) get(ctx context.Context, names []string) (map[string][]byte, error) {
	if err := s.open(ctx); err != nil {
		return nil, err
	}
	byPath := make(map[dbus.ObjectPath]string)
	var paths []dbus.ObjectPath
	for _, n := range names {
		unlocked, locked, err := s.search(ctx, n)
		if err != nil {
			return nil, err
		}
		if len(unlocked) == 0 && len(locked) > 0 {
			if err := s.unlock(ctx, locked[:1]); err != nil {
				return nil, err
			}
			unlocked = locked[:1]
		}
		if len(unlocked) > 0 {
			byPath[unlocked[0]] = n
			paths = append(paths, unlocked[0])
		}
	}
	out := make(map[string][]byte)
	if len(paths) == 0 {
		return out, nil
	}
	var secrets map[dbus.ObjectPath]ssSecret
	if err := s.call(ctx, "reading "+quoteAll(names), ssService+".GetSecrets", paths, s.session).Store(&secrets); err != nil {
		return nil, s.fail("reading "+quoteAll(names), err)
	}
	for p, sec := range secrets {
		if n, ok := byPath[p]; ok {
			out[n] = sec.Value
		}
	}
	return out, nil
}

func (s *secretService) names(ctx context.Context) ([]string, error) {
	if err := s.open(ctx); err != nil {
		return nil, err
	}
	var unlocked, locked []dbus.ObjectPath
	what := "listing the items of service " + fmt.Sprintf("%q", s.service)
	if err := s.call(ctx, what, ssService+".SearchItems", map[string]string{"service": s.service}).Store(&unlocked, &locked); err != nil {
		return nil, s.fail(what, err)
	}
	seen := make(map[string]bool)
	var out []string
	for _, p := range append(unlocked, locked...) {
		var v dbus.Variant
		item := s.conn.Object(ssName, p)
		if err := s.callOn(ctx, item, what, "org.freedesktop.DBus.Properties.Get", ssItem, "Attributes").Store(&v); err != nil {
			if vanished(err) {
				continue
			}
			return nil, s.fail(what, err)
		}
		attrs, _ := v.Value().(map[string]string)
		if n := attrs["username"]; n != "" && attrs["service"] == s.service && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out, nil
}

// collection is where new items go: the "default" alias (where secret-tool
// stores), else the "login" collection.
func (s *secretService) collection(ctx context.Context) (dbus.ObjectPath, error) {
	var path dbus.ObjectPath
	if err := s.call(ctx, "finding the default collection", ssService+".ReadAlias", "default").Store(&path); err != nil {
		return "", s.fail("finding the default collection", err)
	}
	if path == noPrompt || path == "" {
		var v dbus.Variant
		if err := s.call(ctx, "listing collections", "org.freedesktop.DBus.Properties.Get", ssService, "Collections").Store(&v); err != nil {
			return "", s.fail("listing collections", err)
		}
		all, _ := v.Value().([]dbus.ObjectPath)
		login := dbus.ObjectPath("/org/freedesktop/secrets/collection/login")
		if !slices.Contains(all, login) {
			return "", &resolve.Error{Kind: resolve.ErrUnavailable,
				Msg:  "the Secret Service has no default collection to store secrets in",
				Hint: "gnome-keyring-daemon --unlock creates the login collection when given a password on stdin"}
		}
		path = login
	}
	return path, nil
}

func (s *secretService) has(ctx context.Context, name string) (bool, error) {
	if err := s.open(ctx); err != nil {
		return false, err
	}
	unlocked, locked, err := s.search(ctx, name)
	return len(unlocked)+len(locked) > 0, err
}

func (s *secretService) store(ctx context.Context, name string, value []byte, replace bool) error {
	if err := s.open(ctx); err != nil {
		return err
	}
	what := "storing " + resolve.QuoteName(name)
	secret := ssSecret{Session: s.session, Parameters: []byte{}, Value: value, ContentType: "text/plain"}
	unlocked, locked, err := s.search(ctx, name)
	if err != nil {
		return err
	}
	if !replace && len(unlocked)+len(locked) > 0 {
		return errExists
	}
	if len(unlocked) == 0 && len(locked) > 0 {
		if err := s.unlock(ctx, locked[:1]); err != nil {
			return err
		}
		unlocked = locked[:1]
	}
	if len(unlocked) > 0 {
		// Replace the value in place: the daemon swaps it atomically, so a
		// failure leaves the old value. An item deleted since the search
		// is not there: a new one is made below.
		call := s.callOn(ctx, s.conn.Object(ssName, unlocked[0]), what, ssItem+".SetSecret", secret)
		err := call.Err()
		switch {
		case err == nil:
			return nil
		case call.timedOut():
			return s.settleStore(ctx, name, value, err)
		case !vanished(err):
			return s.fail(what, err)
		}
	}
	coll, err := s.collection(ctx)
	if err != nil {
		return err
	}
	props := map[string]dbus.Variant{
		ssItem + ".Label":      dbus.MakeVariant(fmt.Sprintf("%s: %s", s.service, name)),
		ssItem + ".Attributes": dbus.MakeVariant(s.attrs(name)),
	}
	var item, prompt dbus.ObjectPath
	call := s.callOn(ctx, s.conn.Object(ssName, coll), what, ssCollection+".CreateItem", props, secret, true)
	if err := call.Store(&item, &prompt); err != nil {
		if call.timedOut() {
			return s.settleStore(ctx, name, value, err)
		}
		return s.fail(what, err)
	}
	if prompt != noPrompt {
		return &resolve.Error{Kind: resolve.ErrUnavailable, Msg: "the keyring is locked (" + what + ")", Hint: hintLocked}
	}
	return nil
}

// settleStore finds out whether a write that missed its deadline happened
// after all (a large value can take the daemon longer than the deadline):
// the daemon answers one connection's calls in order, so a read sent now
// is answered after the write, with deadlines of its own. The value read
// back is the new one: stored. Another: not stored. No answer: not known,
// and the error says so.
func (s *secretService) settleStore(ctx context.Context, name string, value []byte, timeout error) error {
	got, err := s.get(ctx, []string{name})
	if err != nil {
		return unknownError("storing "+resolve.QuoteName(name), s.timeout, "whether the new value was stored",
			"prefect-secrets --sources keyring get "+resolve.QuoteName(name)+" shows what the keyring holds")
	}
	v, ok := got[name]
	defer clear(v)
	if ok && bytes.Equal(v, value) {
		return nil
	}
	return &resolve.Error{Kind: resolve.ErrUnavailable,
		Msg:  fmt.Sprintf("%v; read back afterwards, the keyring does not hold the new value: it was not stored", timeout),
		Hint: resolve.HintText(timeout)}
}

func (s *secretService) delete(ctx context.Context, name string) error {
	if err := s.open(ctx); err != nil {
		return err
	}
	unlocked, locked, err := s.search(ctx, name)
	if err != nil {
		return err
	}
	if len(locked) > 0 {
		if err := s.unlock(ctx, locked); err != nil {
			return err
		}
	}
	items := append(unlocked, locked...)
	what := "deleting " + resolve.QuoteName(name)
	deleted := 0
	for _, p := range items {
		var prompt dbus.ObjectPath
		call := s.callOn(ctx, s.conn.Object(ssName, p), what, ssItem+".Delete")
		err := call.Store(&prompt)
		switch {
		case err == nil:
		case call.timedOut():
			return s.settleDelete(ctx, name, err)
		case vanished(err):
			continue // deleted by another client since the search
		default:
			return s.fail(what, err)
		}
		if prompt != noPrompt {
			return &resolve.Error{Kind: resolve.ErrUnavailable, Msg: "the keyring is locked (" + what + ")", Hint: hintLocked}
		}
		deleted++
	}
	if deleted == 0 {
		return errNotFound
	}
	return nil
}

// settleDelete finds out, as settleStore does, whether a delete that missed
// its deadline happened: the name is gone, or it is not, or that is not
// known.
func (s *secretService) settleDelete(ctx context.Context, name string, timeout error) error {
	unlocked, locked, err := s.search(ctx, name)
	if err != nil {
		return unknownError("deleting "+resolve.QuoteName(name), s.timeout, "whether it was deleted",
			"prefect-secrets --sources keyring explain "+resolve.QuoteName(name)+" shows whether it is there")
	}
	if len(unlocked)+len(locked) == 0 {
		return nil
	}
	return &resolve.Error{Kind: resolve.ErrUnavailable,
		Msg:  fmt.Sprintf("%v; searched afterwards, it is still there: it was not deleted", timeout),
		Hint: resolve.HintText(timeout)}
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = resolve.QuoteName(n)
	}
	return strings.Join(q, ", ")
}
