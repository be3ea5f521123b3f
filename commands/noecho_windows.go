package commands

import (
	"fmt"
	"os"

	"golang.org/x/term"
)

// readNoEcho shows prompt on the console and reads one line without echo.
func readNoEcho(tty *os.File, prompt string) ([]byte, error) {
	fmt.Fprint(tty, prompt)
	b, err := term.ReadPassword(int(tty.Fd()))
	fmt.Fprintln(tty)
	return b, err
}
