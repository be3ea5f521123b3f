package commands

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// The rules of the terminal UI: anything interactive (a question, a
// prompt for a value) goes to the controlling terminal, never to stdout or
// stderr, so pipes stay clean; a value typed there is never echoed.

// errNoTerminal means there is no terminal to ask on.
var errNoTerminal = errors.New("no terminal to ask on")

// openTTY opens the controlling terminal, where questions are asked.
func openTTY() (*os.File, error) { return os.OpenFile("/dev/tty", os.O_RDWR, 0) }

// confirm asks a yes/no question on the terminal; anything but y or yes is a no.
func (o *IO) confirm(question string) (bool, error) {
	if o.OpenTTY == nil {
		return false, errNoTerminal
	}
	tty, err := o.OpenTTY()
	if err != nil {
		return false, errNoTerminal
	}
	defer tty.Close()
	fmt.Fprintf(tty, "%s [y/N] ", question)
	line, err := bufio.NewReader(tty).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return false, err
	}
	answer := strings.ToLower(strings.TrimSpace(line))
	return answer == "y" || answer == "yes", nil
}

// promptValue reads a value twice on the terminal without echo; an empty
// entry is refused unless allowEmpty.
func (o *IO) promptValue(name string, allowEmpty bool) (resolve.Secret, error) {
	if o.OpenTTY == nil {
		return resolve.Secret{}, errNoTerminal
	}
	tty, err := o.OpenTTY()
	if err != nil {
		return resolve.Secret{}, errNoTerminal
	}
	defer tty.Close()
	read := func(prompt string) ([]byte, error) { return readNoEcho(tty, prompt) }
	first, err := read(fmt.Sprintf("Value for %s (not echoed): ", resolve.QuoteName(name)))
	if err != nil {
		return resolve.Secret{}, fmt.Errorf("reading the value from the terminal: %w", err)
	}
	defer clear(first)
	if len(first) == 0 && !allowEmpty {
		return resolve.Secret{}, &resolve.Error{Kind: resolve.ErrBadInput,
			Msg:  "the value is empty; nothing was stored",
			Hint: "to store an empty value on purpose, add --allow-empty"}
	}
	second, err := read("Again, to confirm: ")
	if err != nil {
		return resolve.Secret{}, fmt.Errorf("reading the value from the terminal: %w", err)
	}
	defer clear(second)
	if !bytes.Equal(first, second) {
		return resolve.Secret{}, &resolve.Error{Kind: resolve.ErrBadInput, Msg: "the two entries differ; nothing was stored", Hint: "run the command again"}
	}
	return resolve.NewSecret(first), nil
}

// maxValueBytes bounds what set reads from stdin, so a mistaken stream
// (set X < /dev/zero) ends in an error instead of filling memory.
const maxValueBytes = 16 << 20

// readValue reads a value from stdin: the exact bytes, except that one
// trailing newline is dropped from a value with no other newline (so
// `echo pw | set X` stores "pw", and a PEM key keeps its last newline),
// unless raw.
func readValue(in io.Reader, raw bool) (resolve.Secret, error) {
	b, err := io.ReadAll(io.LimitReader(in, maxValueBytes+1))
	if err != nil {
		return resolve.Secret{}, fmt.Errorf("reading the value from stdin: %w", err)
	}
	defer clear(b)
	if len(b) > maxValueBytes {
		return resolve.Secret{}, &resolve.Error{Kind: resolve.ErrBadInput,
			Msg: fmt.Sprintf("the value on stdin is larger than %d MiB", maxValueBytes>>20)}
	}
	if !raw && bytes.Count(b, []byte("\n")) == 1 && bytes.HasSuffix(b, []byte("\n")) {
		b = b[:len(b)-1]
	}
	return resolve.NewSecret(b), nil
}
