// Command herd is bench/run's herd benchmark (issue 18): N concurrent
// `prefect-secrets exec` runs, as a CI fan-out starts them, against one
// loopback Prefect 2/3 API (bench/apiserver) that limits requests as
// Prefect Cloud limits an account: a token bucket of -rate a second and
// -burst at once, each refusal a 429 with Retry-After: -retry-after.
//
//	herd -bin PREFECT_SECRETS -server APISERVER [-sizes 200,500,1000]
//	     [-rate 30] [-burst 3] [-retry-after 1] [-delay 50ms] [-guard 15m]
//
// For each size it starts a fresh server (a full bucket, counts at 0),
// then N runs of
//
//	prefect-secrets exec -s A=s01 -s B=s02 -- sh -c 'test "$A" = value-01 && test "$B" = value-02'
//
// all released at once, each in an environment of its own making (env -i
// style: PATH, an empty HOME and user config, PREFECT_API_URL; no session
// bus, so the keyring is skipped), and waits for every one to end. A run
// succeeds when it exits 0: its child saw both values, read from the API.
// For each size it prints one line on stdout:
//
//	herd N OK REQUESTS REFUSED BAD WALL_S IDEAL_S MEDIAN_RUN_S SLOWEST_RUN_S
//
// OK: runs that succeeded; REQUESTS: what the server got in all (REFUSED
// of them 429s, BAD not what Prefect's client sends); WALL_S: from the
// release to the end of the last run; IDEAL_S: N / rate, the least time
// the bucket lets N runs get their one successful request in. The first
// failures' stderr goes to stderr. -guard ends a size's runs if they hang.
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

type result struct {
	err    error
	stderr []byte
	took   time.Duration
	end    time.Time
}

func main() {
	bin := flag.String("bin", "", "the prefect-secrets binary")
	server := flag.String("server", "", "the bench/apiserver binary")
	sizes := flag.String("sizes", "200,500,1000", "comma-separated herd sizes")
	rate := flag.Float64("rate", 30, "the API's rate limit: requests a second")
	burst := flag.Int("burst", 3, "the API's rate limit: requests at once")
	retryAfter := flag.String("retry-after", "1", "the Retry-After of a refusal")
	delay := flag.Duration("delay", 50*time.Millisecond, "added to every request the API serves")
	guard := flag.Duration("guard", 15*time.Minute, "end a size's runs after this long (a hang guard)")
	flag.Parse()
	if *bin == "" || *server == "" {
		log.Fatal("herd: -bin and -server are required")
	}
	tmp, err := os.MkdirTemp("", "herd.")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	if err := os.WriteFile(filepath.Join(tmp, "empty.toml"), nil, 0o644); err != nil {
		log.Fatal(err)
	}
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			log.Fatalf("herd: bad size %q", s)
		}
		srvArgs := []string{"-n", "2", "-delay", delay.String(), "-rate", fmt.Sprint(*rate), "-burst", fmt.Sprint(*burst), "-retry-after", *retryAfter}
		line, err := herd(n, *bin, *server, srvArgs, tmp, *guard, *rate)
		if err != nil {
			log.Fatalf("herd: %d runs: %v", n, err)
		}
		fmt.Println(line)
	}
}

// herd runs n execs against a fresh server and returns its line.
func herd(n int, bin, server string, srvArgs []string, tmp string, guard time.Duration, rate float64) (string, error) {
	srv := exec.Command(server, srvArgs...)
	srv.Stderr = os.Stderr
	out, err := srv.StdoutPipe()
	if err != nil {
		return "", err
	}
	if err := srv.Start(); err != nil {
		return "", err
	}
	defer func() {
		_ = srv.Process.Signal(syscall.SIGTERM)
		_ = srv.Wait()
	}()
	url, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		return "", fmt.Errorf("the API server did not start: %v", err)
	}
	url = strings.TrimSpace(url)
	home := filepath.Join(tmp, fmt.Sprintf("home-%d", n))
	if err := os.Mkdir(home, 0o700); err != nil {
		return "", err
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "LANG=C.UTF-8", "TMPDIR=" + os.TempDir(),
		"PREFECT__USER_CONFIG_PATH=" + filepath.Join(tmp, "empty.toml"), "PREFECT_API_URL=" + url}

	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	results := make([]result, n)
	var wg sync.WaitGroup
	release := make(chan struct{})
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.CommandContext(ctx, bin, "exec", "-s", "A=s01", "-s", "B=s02", "--",
				"sh", "-c", `test "$A" = value-01 && test "$B" = value-02`)
			cmd.Env = env
			var stderr bytes.Buffer
			cmd.Stderr = &limited{w: &stderr, left: 4096}
			<-release
			start := time.Now()
			err := cmd.Run()
			results[i] = result{err: err, stderr: stderr.Bytes(), took: time.Since(start), end: time.Now()}
		}()
	}
	start := time.Now()
	close(release)
	wg.Wait()

	ok, shown := 0, 0
	var last time.Time
	var took []time.Duration
	for i, r := range results {
		if r.end.After(last) {
			last = r.end
		}
		took = append(took, r.took)
		if r.err == nil {
			ok++
			continue
		}
		if shown < 5 {
			shown++
			fmt.Fprintf(os.Stderr, "herd: run %d of %d: %v\n%s", i+1, n, r.err, r.stderr)
		}
	}
	slices.Sort(took)
	stats, err := exec.Command(server, "stats", url).Output()
	if err != nil {
		return "", fmt.Errorf("reading the server's counts: %v", err)
	}
	var reqs, bad, refused int
	if _, err := fmt.Sscan(string(stats), &reqs, &bad, &refused); err != nil {
		return "", fmt.Errorf("the server's counts %q: %v", stats, err)
	}
	return fmt.Sprintf("herd %d %d %d %d %d %.2f %.2f %.2f %.2f", n, ok, reqs, refused, bad, last.Sub(start).Seconds(),
		float64(n)/rate, took[len(took)/2].Seconds(), took[len(took)-1].Seconds()), nil
}

// limited keeps the first left bytes written to it.
type limited struct {
	w    io.Writer
	left int
}

func (l *limited) Write(p []byte) (int, error) {
	if l.left > 0 {
		k := min(len(p), l.left)
		l.left -= k
		_, _ = l.w.Write(p[:k])
	}
	return len(p), nil
}
