// Command noskip reads `go test -json` on stdin, writes the tests' output
// as `go test -v` would, and fails when any test was skipped or failed: in
// CI every part a test needs is installed, so a skip means a test that did
// not run, and a green run that hides it is a broken one.
//
//	go test -race -json ./... | go run ./.ci/noskip
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sort"
)

type event struct {
	Action  string
	Package string
	Test    string
	Output  string
}

func main() {
	var skipped, failed []string
	sawPass := false
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	for in.Scan() {
		var e event
		if err := json.Unmarshal(in.Bytes(), &e); err != nil {
			// Not an event (a build error printed by go test): pass it on.
			fmt.Println(in.Text())
			continue
		}
		name := e.Package
		if e.Test != "" {
			name += " " + e.Test
		}
		switch e.Action {
		case "output":
			fmt.Print(e.Output)
		case "skip":
			if e.Test != "" {
				skipped = append(skipped, name)
			}
		case "fail":
			failed = append(failed, name)
		case "pass":
			sawPass = true
		}
	}
	if err := in.Err(); err != nil {
		fmt.Fprintf(os.Stderr, "noskip: reading go test's output: %v\n", err)
		os.Exit(1)
	}
	sort.Strings(skipped)
	sort.Strings(failed)
	for _, s := range skipped {
		fmt.Printf("noskip: SKIPPED in CI: %s\n", s)
	}
	for _, f := range failed {
		fmt.Printf("noskip: FAILED: %s\n", f)
	}
	switch {
	case len(failed) > 0 || len(skipped) > 0:
		fmt.Printf("noskip: %d failed, %d skipped; every test must run and pass in CI\n", len(failed), len(skipped))
		os.Exit(1)
	case !sawPass:
		fmt.Println("noskip: no test passed: was go test's output empty?")
		os.Exit(1)
	}
}
