// Package commands holds one file per command: its flags, its argument
// checks, and the call into resolve and proc that does the work. Nothing
// below this package prints.
package commands

import (
	"context"
	"fmt"
	"time"

	"github.com/prefect-secrets/prefect-secrets/internal/prefect/api"
	"github.com/prefect-secrets/prefect-secrets/internal/proc"
	"github.com/prefect-secrets/prefect-secrets/keyring"
)

const appDescription = `Resolves a secret by name through an ordered chain of sources and prints it
(get), puts it into a command's environment (exec), or writes it in a format
another tool reads (export) or into a template (inject). Values are read
from the sources, written to stdout, a file you name or the child's
environment, and nowhere else: never to error messages, --verbose output or
argv, and to stderr only as ::add-mask:: commands when GitHub Actions runs
the step (GITHUB_ACTIONS=true), which the runner reads and keeps out of its
log.

Sources (default order: ` + defaultSources + `; pick and order them with --sources):
  context   Prefect 1's local context: PREFECT__CONTEXT__SECRETS__<NAME>
            variables and the [context.secrets] table of Prefect's user
            config (PREFECT__USER_CONFIG_PATH, default ~/.prefect/config.toml)
  keyring   the OS keyring, under service "prefect-secrets" (--keyring-service);
            skipped where the machine has none, as on most CI runners
  cloud     the Prefect API: Secret blocks of Prefect 2/3 (Cloud or
            self-hosted), or Prefect 1 Cloud's secrets, as Prefect's own
            configuration points (PREFECT_API_URL and PREFECT_API_KEY, the
            active profile, or Prefect 1's cloud settings, --api-url);
            skipped when none is configured
  env       a plain environment variable by its exact name (Prefect's
            EnvVarSecret); not in the default order

Examples:
  prefect-secrets get SLACK_WEBHOOK_URL
  prefect-secrets exec -s DB_PASSWORD -- python flow.py
  prefect-secrets --sources env,context exec -s TOKEN=CI_TOKEN -- ./deploy.sh
  prefect-secrets exec --env-file .env.secrets -- python flow.py
  prefect-secrets export --env-file .env.secrets --format dotenv -o .env
  prefect-secrets inject -i config.yaml.tpl -o config.yaml
  prefect-secrets explain DB_PASSWORD
  prefect-secrets list --json
  printf %s "$PW" | prefect-secrets set DB_PASSWORD
  prefect-secrets delete OLD_TOKEN

Exit codes:
  0    success
  64   usage error (a command line that makes no sense)
  65   bad input data (an invalid name or value)
  66   secret not found
  69   a source is unavailable
  70   internal error
  73   already exists: set without --force on a name that is there, export
       or inject -o without --force on a file that is there; or an output
       file cannot be written
  74   exec: the command's output could not be written (its own non-zero
       status wins)
  77   permission or authentication denied
  78   bad configuration (e.g. a broken Prefect config file)
  exec returns its command's exit status; 126 when the command cannot be
  run, 127 when it is not found, as a shell does; a command killed by a
  signal ends prefect-secrets by the same signal.`

// globals are the flags given before the command, and what commands share.
type globals struct {
	io             *IO
	sources        string
	sourcesFrom    string // where sources came from: "--sources", its variable, or "" (not given)
	verbose        bool
	keyringService string
	timeout        time.Duration
	timeoutSet     bool // --timeout given: it bounds keyring and API calls alike
	apiURL         string
	allowHTTP      bool

	kr  *keyring.Keyring
	api *api.Source
}

// logf writes a --verbose line to stderr. Callers pass names, sources and
// timings, never values.
func (g *globals) logf(format string, args ...any) {
	if g.verbose {
		fmt.Fprintf(g.io.Err, "prefect-secrets: "+format+"\n", args...)
	}
}

// ctx is the context commands run under. It carries no deadline of its
// own: the keyring bounds each of its calls, and the API each whole call,
// by --timeout or their defaults.
func (g *globals) ctx() context.Context { return context.Background() }

// Main is the tool: it builds the app, runs it on args (os.Args), reports a
// failure once, and returns the documented exit code. version is the
// release's version, or "" for the build's own information.
func Main(args []string, version string) int {
	proc.AtStart() // before anything else: secrets may pass through memory
	io := System()
	err := New(io, version).Run(args)
	if err != nil {
		io.Report(err)
	}
	return ExitCode(err)
}
