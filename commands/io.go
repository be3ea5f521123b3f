package commands

import (
	"io"
	"os"

	"github.com/fatih/color"
	"golang.org/x/term"

	"github.com/prefect-secrets/prefect-secrets/internal/proc"
)

// IO holds everything a command touches outside itself: the streams, what
// they are attached to, the environment, and how a child is started. Output
// that changes with a terminal (the trailing newline of get, colour,
// tables) is decided from these facts, and tests hand in their own.
type IO struct {
	In             io.Reader
	Out, Err       io.Writer
	InTTY          bool // stdin is a terminal: set prompts instead of reading it
	OutTTY, ErrTTY bool
	Environ        []string
	// Exec starts the child of exec; proc.Exec unless a test replaces it.
	Exec func(path string, argv, env []string) error
	// Supervise runs the child of exec with its output masked;
	// proc.Supervise unless a test replaces it.
	Supervise func(proc.Supervision) error
	// OpenTTY opens the terminal to ask questions on; nil means there is
	// none to ask (tests), so nothing ever waits for an answer.
	OpenTTY func() (*os.File, error)
}

// System is the IO of the running process.
func System() *IO {
	return &IO{
		In: os.Stdin, Out: os.Stdout, Err: os.Stderr,
		InTTY:     term.IsTerminal(int(os.Stdin.Fd())),
		OutTTY:    term.IsTerminal(int(os.Stdout.Fd())),
		ErrTTY:    term.IsTerminal(int(os.Stderr.Fd())),
		Environ:   os.Environ(),
		Exec:      proc.Exec,
		Supervise: proc.Supervise,
		OpenTTY:   openTTY,
	}
}

// Getenv reads a variable of the environment the command runs in.
func (o *IO) Getenv(key string) string {
	v, _ := o.lookupEnv(key)
	return v
}

func (o *IO) lookupEnv(key string) (string, bool) {
	for _, kv := range o.Environ {
		if len(kv) > len(key) && kv[len(key)] == '=' && kv[:len(key)] == key {
			return kv[len(key)+1:], true
		}
	}
	return "", false
}

// colorOn says whether a stream attached to a terminal gets colour:
// NO_COLOR (any non-empty value, see no-color.org) and TERM=dumb turn it off.
func (o *IO) colorOn(tty bool) bool {
	return tty && o.Getenv("NO_COLOR") == "" && o.Getenv("TERM") != "dumb"
}

// paint returns a colour for a stream, on or off by colorOn.
func (o *IO) paint(tty bool, attrs ...color.Attribute) *color.Color {
	c := color.New(attrs...)
	if o.colorOn(tty) {
		c.EnableColor()
	} else {
		c.DisableColor()
	}
	return c
}
