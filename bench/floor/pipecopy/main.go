// Command pipecopy is the floor of bench/run's masking throughput case:
// what exec's masked path costs without the masker. It starts CMD with its
// stdout a pipe (stdin and stderr its own), copies the pipe to its own
// stdout in reads of 64 KiB, as exec's copy loop does (proc.copyOut), waits,
// and exits with CMD's status.
//
//	pipecopy CMD [ARGS...]
package main

import (
	"os"
	"os/exec"
)

func main() {
	if len(os.Args) < 2 {
		os.Stderr.WriteString("usage: pipecopy CMD [ARGS...]\n")
		os.Exit(64)
	}
	cmd := exec.Command(os.Args[1], os.Args[2:]...)
	cmd.Stdin, cmd.Stderr = os.Stdin, os.Stderr
	r, w, err := os.Pipe()
	if err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(70)
	}
	cmd.Stdout = w
	if err := cmd.Start(); err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(127)
	}
	w.Close()
	buf := make([]byte, 64<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			if _, err := os.Stdout.Write(buf[:n]); err != nil {
				os.Exit(1)
			}
		}
		if err != nil {
			break
		}
	}
	if err := cmd.Wait(); err != nil {
		os.Exit(cmd.ProcessState.ExitCode() & 0xff)
	}
}
