// Command maskbench is bench/run's throughput case for exec's output
// masking: how fast `prefect-secrets exec -s S0001 ... -- cat BIGFILE`
// pushes a big file through the masker, against `cat BIGFILE | cat`.
//
//	maskbench gen -dir DIR [-size BYTES] [-n SECRETS] [-seed N]
//	maskbench run -dir DIR -bin PREFECT_SECRETS [-old PREFECT_SECRETS] [-sets 1,100,1000] [-runs N] [-copy PIPECOPY]
//	maskbench setup -dir DIR -bin PREFECT_SECRETS [-old PREFECT_SECRETS] [-cases 120kb,1mib] [-runs N]
//
// gen writes DIR/secrets (one "NAME VALUE" line per secret, S0001 ...:
// random 24-32 letters and digits) and DIR/big.txt: text-like lines of
// letters, digits and spaces, with a few occurrences of S0001's, S0100's
// and S1000's values planted in it (one of them across the 64 KiB mark, where
// a pipe's read ends), and DIR/expect: for each set size K, the SHA-256 of
// what exec with S0001..SK must print (the planted values of secrets
// numbered <= K replaced by their markers, all else unchanged) and how
// many markers that is.
//
// run first checks, untimed, that `prefect-secrets exec -s S0001 ... -s SK
// -- cat big.txt` prints exactly that for each K (the masker really masks,
// and changes nothing else), then times, as whole processes, no shell:
//
//	base: cat big.txt | cat >/dev/null
//	K:    prefect-secrets exec -s S0001 ... -s SK -- cat big.txt | cat >/dev/null
//	copy: pipecopy cat big.txt | cat >/dev/null  (with -copy: exec's pipe and
//	      copy loop without the masker, bench/floor/pipecopy)
//	oldK: K with the binary -old names (its output is not checked)
//
// with the K secrets in the environment as PREFECT__CONTEXT__SECRETS__Sxxxx,
// prefect-secrets' stdout a pipe (so the child's output goes through the
// masker) and stdin and stderr /dev/null. Every round runs every command
// once, rotating which goes first, after one untimed warm-up round. For
// each command it prints one line:
//
//	LABEL median_s min_s max_s MB/s(of the median) runs
//
// (MB = 10^6 bytes). The environment is the caller's (bench/run runs it
// under env -i).
//
// setup times exec with large values, masked and with --no-mask: see
// setupCmd.
package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	switch os.Args[1] {
	case "gen":
		genCmd(os.Args[2:])
	case "run":
		runCmd(os.Args[2:])
	case "setup":
		setupCmd(os.Args[2:])
	default:
		usage()
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: maskbench gen -dir DIR [-size BYTES] [-n SECRETS] [-seed N]")
	fmt.Fprintln(os.Stderr, "       maskbench run -dir DIR -bin PREFECT_SECRETS [-old PREFECT_SECRETS] [-sets 1,100,1000] [-runs N] [-copy PIPECOPY]")
	fmt.Fprintln(os.Stderr, "       maskbench setup -dir DIR -bin PREFECT_SECRETS [-old PREFECT_SECRETS] [-cases 120kb,1mib] [-runs N]")
	os.Exit(64)
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "maskbench: "+format+"\n", args...)
	os.Exit(1)
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func name(i int) string { return fmt.Sprintf("S%04d", i) }

func marker(n string) string { return "<prefect-secret:" + n + ">" }

// planted is one occurrence of secret number Secret (1-based) at Off.
type planted struct {
	Off    int
	Secret int
}

func genCmd(args []string) {
	fs := flag.NewFlagSet("gen", flag.ExitOnError)
	dir := fs.String("dir", "", "output directory")
	size := fs.Int("size", 256<<20, "size of big.txt in bytes (about)")
	n := fs.Int("n", 1000, "how many secrets")
	seed := fs.Uint64("seed", 1, "random seed")
	fs.Parse(args)
	if *dir == "" || *n < 1 {
		usage()
	}
	rng := rand.New(rand.NewPCG(*seed, 0x5ec7e75))
	values := make([]string, *n+1)
	var sb strings.Builder
	for i := 1; i <= *n; i++ {
		b := make([]byte, 24+rng.IntN(9))
		for j := range b {
			b[j] = alnum[rng.IntN(len(alnum))]
		}
		values[i] = string(b)
		fmt.Fprintf(&sb, "%s %s\n", name(i), values[i])
	}
	if err := os.WriteFile(filepath.Join(*dir, "secrets"), []byte(sb.String()), 0o600); err != nil {
		fail("%v", err)
	}

	// Text: a byte table maps random bytes to letters, digits and (about one
	// in seven) spaces; lines of 40-120 bytes.
	var table [256]byte
	for i := range table {
		if i%7 == 0 {
			table[i] = ' '
		} else {
			table[i] = alnum[i%len(alnum)]
		}
	}
	data := make([]byte, 0, *size+4096)
	lineEnd := 40 + rng.IntN(81)
	for len(data) < *size {
		r := rng.Uint64()
		for k := 0; k < 8; k++ {
			if lineEnd == 0 {
				data = append(data, '\n')
				lineEnd = 40 + rng.IntN(81)
				continue
			}
			data = append(data, table[byte(r)])
			r >>= 8
			lineEnd--
		}
	}
	data = append(data, '\n')

	// Plant: S0001 across the 64 KiB mark and 4 more times, S0100 and
	// S1000 (when there are that many) 3 times each, as "token=VALUE ".
	var plants []planted
	put := func(off, s int) {
		v := "token=" + values[s] + " "
		copy(data[off:], v)
		plants = append(plants, planted{off + len("token="), s})
	}
	put(65536-len("token=")-10, 1)
	who := []int{1, 1, 1, 1}
	for _, s := range []int{100, 1000} {
		if s <= *n {
			who = append(who, s, s, s)
		}
	}
	for i, s := range who {
		// Spread out, away from each other and the ends.
		slot := len(data) / (len(who) + 1)
		off := slot*(i+1) + rng.IntN(slot/2)
		put(off, s)
	}
	slices.SortFunc(plants, func(a, b planted) int { return a.Off - b.Off })
	if err := os.WriteFile(filepath.Join(*dir, "big.txt"), data, 0o644); err != nil {
		fail("%v", err)
	}

	// Expected output for each set size that changes it.
	var ex strings.Builder
	sizes := []int{1, 10, 100, 1000, *n}
	slices.Sort(sizes)
	for _, k := range slices.Compact(sizes) {
		if k > *n {
			continue
		}
		h := sha256.New()
		at, markers := 0, 0
		for _, p := range plants {
			if p.Secret > k {
				continue
			}
			h.Write(data[at:p.Off])
			h.Write([]byte(marker(name(p.Secret))))
			at = p.Off + len(values[p.Secret])
			markers++
		}
		h.Write(data[at:])
		fmt.Fprintf(&ex, "%d %x %d\n", k, h.Sum(nil), markers)
	}
	if err := os.WriteFile(filepath.Join(*dir, "expect"), []byte(ex.String()), 0o644); err != nil {
		fail("%v", err)
	}
	fmt.Fprintf(os.Stderr, "maskbench: %d bytes, %d secrets, %d planted occurrences\n", len(data), *n, len(plants))
}

type secret struct{ name, value string }

func readSecrets(dir string) []secret {
	f, err := os.Open(filepath.Join(dir, "secrets"))
	if err != nil {
		fail("%v", err)
	}
	defer f.Close()
	var out []secret
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		n, v, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			fail("bad secrets line %q", sc.Text())
		}
		out = append(out, secret{n, v})
	}
	return out
}

type expectation struct {
	sum     string
	markers int
}

func readExpect(dir string) map[int]expectation {
	b, err := os.ReadFile(filepath.Join(dir, "expect"))
	if err != nil {
		fail("%v", err)
	}
	out := make(map[int]expectation)
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(line)
		k, _ := strconv.Atoi(f[0])
		m, _ := strconv.Atoi(f[2])
		out[k] = expectation{f[1], m}
	}
	return out
}

// command is one timed pipeline: argv | cat >/dev/null.
type command struct {
	label string
	argv  []string
	env   []string
}

func runCmd(args []string) {
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	dir := fs.String("dir", "", "directory gen wrote")
	bin := fs.String("bin", "", "the prefect-secrets binary")
	setsFlag := fs.String("sets", "1,100,1000", "numbers of secrets, comma-separated")
	runs := fs.Int("runs", 5, "timed runs of each command")
	copyFloor := fs.String("copy", "", "also time COPY cat big.txt | cat >/dev/null (bench/floor/pipecopy)")
	oldBin := fs.String("old", "", "also time this prefect-secrets binary (e.g. an older build), its lines labelled oldK")
	fs.Parse(args)
	if *dir == "" || *bin == "" || *runs < 1 {
		usage()
	}
	secrets := readSecrets(*dir)
	expect := readExpect(*dir)
	big := filepath.Join(*dir, "big.txt")
	st, err := os.Stat(big)
	if err != nil {
		fail("%v", err)
	}
	catPath, err := exec.LookPath("cat")
	if err != nil {
		fail("%v", err)
	}

	cmds := []command{{label: "base", argv: []string{catPath, big}, env: os.Environ()}}
	if *copyFloor != "" {
		cmds = append(cmds, command{label: "copy", argv: []string{*copyFloor, catPath, big}, env: os.Environ()})
	}
	for _, f := range strings.Split(*setsFlag, ",") {
		k, err := strconv.Atoi(f)
		if err != nil || k < 1 || k > len(secrets) {
			fail("bad set size %q (there are %d secrets)", f, len(secrets))
		}
		argv := []string{*bin, "exec"}
		env := slices.Clone(os.Environ())
		for _, s := range secrets[:k] {
			argv = append(argv, "-s", s.name)
			env = append(env, "PREFECT__CONTEXT__SECRETS__"+s.name+"="+s.value)
		}
		argv = append(argv, "--", "cat", big)
		cmds = append(cmds, command{label: strconv.Itoa(k), argv: argv, env: env})
		if *oldBin != "" {
			oldArgv := append([]string{*oldBin}, argv[1:]...)
			cmds = append(cmds, command{label: "old" + strconv.Itoa(k), argv: oldArgv, env: env})
		}

		// Untimed: the output is exactly the expected one.
		want, ok := expect[k]
		if !ok {
			fail("no expected output for %d secrets (gen writes 1, 10, 100, 1000 and -n)", k)
		}
		sum, markers, leaked := verify(argv, env, secrets[:k])
		if leaked != "" {
			fail("exec with %d secrets: the value of %s is in the output", k, leaked)
		}
		if markers != want.markers || sum != want.sum {
			fail("exec with %d secrets: output has %d markers, sha256 %s; want %d markers, sha256 %s", k, markers, sum, want.markers, want.sum)
		}
		fmt.Fprintf(os.Stderr, "maskbench: %d secrets: output as expected (%d markers, no value)\n", k, markers)
	}

	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		fail("%v", err)
	}
	once := func(c command) time.Duration {
		r, w, err := os.Pipe()
		if err != nil {
			fail("%v", err)
		}
		start := time.Now()
		src, err := os.StartProcess(c.argv[0], c.argv, &os.ProcAttr{Env: c.env, Files: []*os.File{null, w, null}})
		if err != nil {
			fail("%s: %v", c.argv[0], err)
		}
		sink, err := os.StartProcess(catPath, []string{"cat"}, &os.ProcAttr{Env: c.env, Files: []*os.File{r, null, null}})
		if err != nil {
			fail("cat: %v", err)
		}
		r.Close()
		w.Close()
		s1, err1 := src.Wait()
		s2, err2 := sink.Wait()
		d := time.Since(start)
		if err1 != nil || err2 != nil || !s1.Success() || !s2.Success() {
			fail("%s: %v %v %v %v", c.label, s1, err1, s2, err2)
		}
		return d
	}
	debug.SetGCPercent(-1)
	times := make([][]time.Duration, len(cmds))
	for round := -1; round < *runs; round++ {
		for j := range cmds {
			i := (j + max(round, 0)) % len(cmds)
			d := once(cmds[i])
			if round >= 0 {
				times[i] = append(times[i], d)
			}
		}
	}
	for i, c := range cmds {
		t := times[i]
		slices.Sort(t)
		var med time.Duration
		if n := len(t); n%2 == 1 {
			med = t[n/2]
		} else {
			med = (t[n/2-1] + t[n/2]) / 2
		}
		fmt.Printf("%s %.4f %.4f %.4f %.1f %d\n", c.label, med.Seconds(), t[0].Seconds(), t[len(t)-1].Seconds(),
			float64(st.Size())/1e6/med.Seconds(), len(t))
	}
}

// verify runs argv with its stdout a pipe into us, and returns the SHA-256
// of what it printed, how many markers that has, and the name of a secret
// whose value is in it ("" when none is).
func verify(argv, env []string, secrets []secret) (string, int, string) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	var errBuf bytes.Buffer
	cmd.Stderr = &errBuf
	out, err := cmd.StdoutPipe()
	if err != nil {
		fail("%v", err)
	}
	if err := cmd.Start(); err != nil {
		fail("%v", err)
	}
	all, err := io.ReadAll(out)
	if err != nil {
		fail("%v", err)
	}
	if err := cmd.Wait(); err != nil {
		fail("%s exec: %v: %s", argv[0], err, errBuf.String())
	}
	sum := sha256.Sum256(all)
	leaked := ""
	// The values planted are S0001's, S0100's and S1000's; check those
	// (a full search for 1000 values over 256 MiB would take a while, and
	// the SHA-256 comparison covers every byte anyway).
	for _, s := range secrets {
		switch s.name {
		case "S0001", "S0100", "S1000":
			if bytes.Contains(all, []byte(s.value)) {
				leaked = s.name
			}
		}
	}
	return hex.EncodeToString(sum[:]), bytes.Count(all, []byte("<prefect-secret:")), leaked
}
