// Command timer is bench/run's built-in timer, used when hyperfine is not
// installed, and its arithmetic either way.
//
//	timer run [-runs N] [-warmup W] CMD_A [ARGS...] ::: CMD_B [ARGS...]
//	timer pool LABEL_A LABEL_B FILE.json...
//
// run starts both commands as whole processes (no shell), alternating A and
// B in every round and swapping which goes first each round, so machine
// noise hits both alike. stdin, stdout and stderr are /dev/null; a command
// that exits non-zero stops the run. It prints, for A then B, one line:
//
//	median_us p10_us p90_us min_us runs
//
// pool reads hyperfine --export-json files, pools every run of the command
// whose name is LABEL_A (then LABEL_B) across the files, and prints the same
// lines.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime/debug"
	"slices"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	switch os.Args[1] {
	case "run":
		runCmd(os.Args[2:])
	case "pool":
		poolCmd(os.Args[2:])
	default:
		usage()
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: timer run [-runs N] [-warmup W] CMD_A [ARGS...] ::: CMD_B [ARGS...]")
	fmt.Fprintln(os.Stderr, "       timer pool LABEL_A LABEL_B FILE.json...")
	os.Exit(64)
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "timer: "+format+"\n", args...)
	os.Exit(1)
}

func runCmd(args []string) {
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	runs := fs.Int("runs", 500, "timed runs of each command")
	warmup := fs.Int("warmup", 20, "untimed runs of each command first")
	fs.Parse(args)
	rest := fs.Args()
	sep := slices.Index(rest, ":::")
	if sep < 1 || sep == len(rest)-1 {
		usage()
	}
	cmds := [2][]string{rest[:sep], rest[sep+1:]}
	var paths [2]string
	for i, c := range cmds {
		p, err := exec.LookPath(c[0])
		if err != nil {
			fail("%v", err)
		}
		paths[i] = p
	}

	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		fail("%v", err)
	}
	attr := &os.ProcAttr{Env: os.Environ(), Files: []*os.File{null, null, null}}
	once := func(i int) time.Duration {
		start := time.Now()
		p, err := os.StartProcess(paths[i], cmds[i], attr)
		if err != nil {
			fail("%s: %v", cmds[i][0], err)
		}
		st, err := p.Wait()
		d := time.Since(start)
		if err != nil {
			fail("%s: %v", cmds[i][0], err)
		}
		if !st.Success() {
			fail("%q: %v", cmds[i], st)
		}
		return d
	}

	// No collections while timing: the timer's own pauses stay out of it.
	debug.SetGCPercent(-1)
	times := [2][]time.Duration{make([]time.Duration, 0, *runs), make([]time.Duration, 0, *runs)}
	for r := 0; r < *warmup+*runs; r++ {
		first := r % 2
		for _, i := range []int{first, 1 - first} {
			d := once(i)
			if r >= *warmup {
				times[i] = append(times[i], d)
			}
		}
	}
	for _, t := range times {
		report(t)
	}
}

func report(t []time.Duration) {
	if len(t) == 0 {
		fail("no runs")
	}
	slices.Sort(t)
	q := func(f float64) float64 {
		return float64(t[int(f*float64(len(t)-1)+0.5)]) / 1e3
	}
	var med float64
	if n := len(t); n%2 == 1 {
		med = float64(t[n/2]) / 1e3
	} else {
		med = float64(t[n/2-1]+t[n/2]) / 2e3
	}
	fmt.Printf("%.1f %.1f %.1f %.1f %d\n", med, q(0.10), q(0.90), float64(t[0])/1e3, len(t))
}

func poolCmd(args []string) {
	if len(args) < 3 {
		usage()
	}
	labels := args[:2]
	var times [2][]time.Duration
	for _, file := range args[2:] {
		data, err := os.ReadFile(file)
		if err != nil {
			fail("%v", err)
		}
		var doc struct {
			Results []struct {
				Command string    `json:"command"`
				Times   []float64 `json:"times"`
			} `json:"results"`
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			fail("%s: %v", file, err)
		}
		for _, r := range doc.Results {
			for i, l := range labels {
				if r.Command == l {
					for _, s := range r.Times {
						times[i] = append(times[i], time.Duration(s*1e9))
					}
				}
			}
		}
	}
	for _, t := range times {
		report(t)
	}
}
