// Command pinger is the child of bench/run's latency case: it opens FIFO
// for reading and, for every byte it reads from it ('0', '1', ...), writes
// TEXTS[byte-'0'] to stdout in one write(2), at once. It exits 0 at EOF
// (when the bench closes the FIFO).
//
//	pinger FIFO TEXT...
package main

import "os"

func main() {
	if len(os.Args) < 3 {
		os.Stderr.WriteString("usage: pinger FIFO TEXT...\n")
		os.Exit(64)
	}
	texts := os.Args[2:]
	f, err := os.Open(os.Args[1])
	if err != nil {
		os.Stderr.WriteString("pinger: " + err.Error() + "\n")
		os.Exit(1)
	}
	buf := make([]byte, 1)
	for {
		n, err := f.Read(buf)
		if n == 1 {
			i := int(buf[0] - '0')
			if i < 0 || i >= len(texts) {
				os.Stderr.WriteString("pinger: bad trigger byte\n")
				os.Exit(1)
			}
			if _, err := os.Stdout.WriteString(texts[i]); err != nil {
				os.Exit(1)
			}
		}
		if err != nil {
			os.Exit(0)
		}
	}
}
