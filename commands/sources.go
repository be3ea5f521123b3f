package commands

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/prefect-secrets/prefect-secrets/internal/prefect"
	"github.com/prefect-secrets/prefect-secrets/internal/prefect/api"
	"github.com/prefect-secrets/prefect-secrets/internal/prefect/localcontext"
	"github.com/prefect-secrets/prefect-secrets/keyring"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// defaultSources is the order used when neither --sources nor
// PREFECT_SECRETS_SOURCES is given.
const defaultSources = "context,keyring,cloud"

// knownSources are the names --sources takes (source makes each).
var knownSources = []string{"context", "keyring", "cloud", "env"}

// sourceOrder returns the sources to ask, in order, and whether the user
// named them (then an absent source is an error, not a skip).
func (g *globals) sourceOrder() ([]string, bool, error) {
	spec, from := g.sources, g.sourcesFrom
	if from == "" && spec == "" {
		spec, from = g.io.Getenv("PREFECT_SECRETS_SOURCES"), "PREFECT_SECRETS_SOURCES"
	}
	if from == "" {
		from = "--sources"
	}
	if spec == "" {
		return strings.Split(defaultSources, ","), false, nil
	}
	hint := "known sources: " + strings.Join(knownSources, ", ") + "; e.g. --sources env,context"
	var order []string
	for _, s := range strings.Split(spec, ",") {
		s = strings.TrimSpace(s)
		switch {
		case s == "":
			return nil, false, usagef(hint, "%s has an empty source name in %q", from, spec)
		case !slices.Contains(knownSources, s):
			return nil, false, usagef(hint, "unknown source %q in %s", s, from)
		case slices.Contains(order, s):
			return nil, false, usagef(hint, "source %q is named twice in %s", s, from)
		}
		order = append(order, s)
	}
	return order, true, nil
}

// chain builds the chain of sources this command asks.
func (g *globals) chain() (*resolve.Chain, error) {
	order, explicit, err := g.sourceOrder()
	if err != nil {
		return nil, err
	}
	c := &resolve.Chain{Explicit: explicit}
	for _, name := range order {
		c.Sources = append(c.Sources, g.source(name))
	}
	// The local sources not asked: a not-found message says if one has the name.
	for _, name := range []string{"context", "env"} {
		if !slices.Contains(order, name) {
			c.Asides = append(c.Asides, resolve.Aside{Source: g.source(name),
				HowToAsk: "--sources " + strings.Join(append(slices.Clone(order), name), ",") + " reads it"})
		}
	}
	if g.verbose {
		g.logf("sources: %s", strings.Join(order, ", "))
		c.Trace = g.trace
	}
	return c, nil
}

func (g *globals) source(name string) resolve.Source {
	switch name {
	case "keyring":
		return g.keyring()
	case "cloud":
		return g.cloud()
	case "env":
		return resolve.Env{Environ: g.io.Environ}
	default:
		return &localcontext.Source{Environ: g.io.Environ, ConfigPath: g.userConfigPath()}
	}
}

// keyring is the keyring under the chosen service name, made once per
// command so every call shares one connection.
func (g *globals) keyring() *keyring.Keyring {
	if g.kr == nil {
		service := g.keyringService
		if service == "" {
			service = g.io.Getenv("PREFECT_SECRETS_KEYRING_SERVICE")
		}
		if service == "" {
			service = keyring.DefaultService
		}
		timeout := keyring.DefaultTimeout
		if g.timeoutSet {
			timeout = g.timeout
		}
		g.kr = &keyring.Keyring{Service: service, Timeout: timeout, Getenv: g.io.Getenv}
	}
	return g.kr
}

// cloud is the Prefect API, made once per command.
func (g *globals) cloud() *api.Source {
	if g.api == nil {
		var timeout time.Duration // none: Prefect's settings decide
		if g.timeoutSet {
			timeout = g.timeout
		}
		g.api = &api.Source{
			Settings: prefect.Settings{Environ: g.io.Environ, Home: g.home(), URLFlag: g.apiURL, UserConfigPath: g.userConfigPath(),
				Warn: func(line string) { fmt.Fprintf(g.io.Err, "prefect-secrets: warning: %s\n", line) }},
			Timeout: timeout, AllowHTTP: g.allowHTTP,
			Log:  func(line string) { g.logf("cloud: %s", line) },
			Warn: func(line string) { fmt.Fprintf(g.io.Err, "prefect-secrets: warning: %s\n", line) },
		}
	}
	return g.api
}

// home is the user's home directory: $HOME of the command's environment.
func (g *globals) home() string {
	if home := g.io.Getenv("HOME"); home != "" {
		return home
	}
	home, _ := os.UserHomeDir()
	return home
}

// userConfigPath is Prefect 1's user config file, as Prefect finds it in
// the command's environment (prefect.UserConfigPath).
func (g *globals) userConfigPath() string {
	return prefect.UserConfigPath(g.io.Environ, g.home())
}

func (g *globals) trace(ev resolve.TraceEvent) {
	took := ev.Took.Round(time.Microsecond)
	var absent *resolve.AbsentError
	switch {
	case errors.As(ev.Err, &absent):
		g.logf("%s: skipped: %s", ev.Source, absent.Reason)
	case ev.Err != nil:
		g.logf("%s: %s failed after %s: %v", ev.Source, ev.Op, took, ev.Err)
	case ev.Op == "lookup":
		q := make([]string, len(ev.Asked))
		for i, n := range ev.Asked {
			q[i] = resolve.QuoteName(n)
		}
		g.logf("%s: lookup %s: found %d of %d in %s", ev.Source, strings.Join(q, ", "), ev.Found, len(ev.Asked), took)
	default:
		g.logf("%s: %s: %d names in %s", ev.Source, ev.Op, ev.Found, took)
	}
}
