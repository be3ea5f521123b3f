package main

import (
	"encoding/base64"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// setupCmd measures what masking large values costs exec before the child
// starts: `prefect-secrets exec -s B1 ... -- true` against the same command
// with --no-mask (the same values resolved and put in the environment, then
// execve: no masker), both as whole processes, interleaved. For each case
// it prints one line per command:
//
//	CASE LABEL median_s median_maxrss_KiB runs
//
// The values are PEM-like (base64 of random bytes, lines of 64): each line
// and each encoding of it is masked too, the most a value of that size
// asks of the masker. They come from a config file's [context.secrets]
// (an environment cannot carry a value over 128 KiB to prefect-secrets
// either), each under Linux's limit for one variable; 1 MiB is 8 of them.
func setupCmd(args []string) {
	fs := flag.NewFlagSet("setup", flag.ExitOnError)
	dir := fs.String("dir", "", "a directory to write the config files in")
	bin := fs.String("bin", "", "the prefect-secrets binary")
	old := fs.String("old", "", "also time this prefect-secrets binary, masked (e.g. an older build)")
	runs := fs.Int("runs", 9, "timed runs of each command")
	casesFlag := fs.String("cases", "120kb,1mib", "120kb (one value of 120000 bytes), 1mib (8 values of 131066 bytes)")
	fs.Parse(args)
	if *dir == "" || *bin == "" || *runs < 1 {
		usage()
	}
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		fail("%v", err)
	}
	rng := rand.New(rand.NewPCG(7, 0x5e7))
	for _, c := range strings.Split(*casesFlag, ",") {
		var n, size int
		switch c {
		case "120kb":
			n, size = 1, 120000
		case "1mib":
			// "B1=" + value + NUL fits the 131072 bytes of one variable.
			n, size = 8, 131066
		default:
			fail("unknown case %q", c)
		}
		cfg := filepath.Join(*dir, "setup-"+c+".toml")
		var sb strings.Builder
		sb.WriteString("[context.secrets]\n")
		var names []string
		for i := 1; i <= n; i++ {
			name := "B" + strconv.Itoa(i)
			names = append(names, name)
			fmt.Fprintf(&sb, "%s = '''\n%s'''\n", name, pemValue(rng, size))
		}
		if err := os.WriteFile(cfg, []byte(sb.String()), 0o600); err != nil {
			fail("%v", err)
		}
		argv := func(b string, extra ...string) []string {
			a := append([]string{b, "exec"}, extra...)
			for _, name := range names {
				a = append(a, "-s", name)
			}
			return append(a, "--", "true")
		}
		env := slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "PREFECT__USER_CONFIG_PATH=") })
		env = append(env, "PREFECT__USER_CONFIG_PATH="+cfg)
		cmds := []command{
			{label: "nomask", argv: argv(*bin, "--no-mask"), env: env},
			{label: "masked", argv: argv(*bin), env: env},
		}
		if *old != "" {
			cmds = append(cmds, command{label: "old", argv: argv(*old), env: env})
		}
		once := func(cmd command) (time.Duration, int64) {
			start := time.Now()
			p, err := os.StartProcess(cmd.argv[0], cmd.argv, &os.ProcAttr{Env: cmd.env, Files: []*os.File{null, null, null}})
			if err != nil {
				fail("%s: %v", cmd.argv[0], err)
			}
			st, err := p.Wait()
			d := time.Since(start)
			if err != nil || !st.Success() {
				fail("%s %s: %v %v", c, cmd.label, st, err)
			}
			return d, maxRSS(st)
		}
		times := make([][]time.Duration, len(cmds))
		rss := make([][]int64, len(cmds))
		for round := -1; round < *runs; round++ {
			for j := range cmds {
				i := (j + max(round, 0)) % len(cmds)
				d, r := once(cmds[i])
				if round >= 0 {
					times[i] = append(times[i], d)
					rss[i] = append(rss[i], r)
				}
			}
		}
		for i, cmd := range cmds {
			slices.Sort(times[i])
			slices.Sort(rss[i])
			fmt.Printf("%s %s %.4f %d %d\n", c, cmd.label, times[i][len(times[i])/2].Seconds(), rss[i][len(rss[i])/2], len(times[i]))
		}
	}
}

// pemValue is n bytes of base64 of random bytes in lines of 64.
func pemValue(rng *rand.Rand, n int) string {
	raw := make([]byte, n)
	for i := range raw {
		raw[i] = byte(rng.Uint32())
	}
	b := base64.StdEncoding.EncodeToString(raw)
	var out strings.Builder
	for out.Len() < n {
		line := b[:64]
		b = b[64:]
		out.WriteString(line)
		out.WriteByte('\n')
	}
	return out.String()[:n]
}
