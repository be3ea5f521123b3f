//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package commands

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// readNoEcho shows prompt on the terminal and reads one line without echo.
// Echo goes off before the prompt is shown, so nothing typed or pasted the
// moment the prompt appears is ever echoed (x/term's ReadPassword prints
// nothing itself and would leave that gap). A signal while waiting
// restores the terminal before the process ends by it.
func readNoEcho(tty *os.File, prompt string) ([]byte, error) {
	fd := int(tty.Fd())
	old, err := unix.IoctlGetTermios(fd, ioctlGetTermios)
	if err != nil {
		return nil, fmt.Errorf("reading the terminal's settings: %w", err)
	}
	quiet := *old
	quiet.Lflag &^= unix.ECHO
	quiet.Lflag |= unix.ICANON | unix.ISIG
	quiet.Iflag |= unix.ICRNL

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	defer signal.Stop(sigs)
	if err := unix.IoctlSetTermios(fd, ioctlSetTermios, &quiet); err != nil {
		return nil, fmt.Errorf("turning echo off: %w", err)
	}
	restore := func() { _ = unix.IoctlSetTermios(fd, ioctlSetTermios, old) }
	defer restore()
	go func() {
		sig, ok := <-sigs
		if !ok {
			return
		}
		restore()
		fmt.Fprintln(tty)
		signal.Reset(sig)
		_ = syscall.Kill(os.Getpid(), sig.(syscall.Signal))
	}()

	fmt.Fprint(tty, prompt)
	line, err := readLine(tty)
	fmt.Fprintln(tty)
	return line, err
}

// readLine reads up to a newline, which it drops.
func readLine(r io.Reader) ([]byte, error) {
	var line []byte
	buf := make([]byte, 1)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			if buf[0] == '\n' {
				return bytes.TrimSuffix(line, []byte("\r")), nil
			}
			line = append(line, buf[0])
		}
		if err != nil {
			clear(line)
			if errors.Is(err, io.EOF) {
				return nil, errors.New("no value was entered (end of input)")
			}
			return nil, err
		}
	}
}
