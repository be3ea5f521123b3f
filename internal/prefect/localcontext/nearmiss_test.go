package localcontext

import (
	"strings"
	"testing"
)

func TestNearMisses(t *testing.T) {
	src := &Source{Environ: []string{
		"PREFECT__CONTEXT__SECRETS_TOKEN=canary",     // one underscore
		"prefect__context__secrets__TOKEN=canary",    // prefect in lower case
		"PREFECT__context__secrets__TOKEN=canary",    // a secret's variable: no near miss
		"PREFECT__CONTEXT__SECRETS__TOKEN__K=canary", // nested inside TOKEN: a secret's
		"PREFECT__CONTEXT__SECRETS___TOKEN=canary",   // the secret "_TOKEN": left to suggestions
		"PREFECT__CONTEXT__secrets__TOKEN=canary",    // half lower-case
		"PREFECT___CONTEXT__SECRETS__TOKEN=canary",   // three underscores
		"PREFECT__CONTEXT__SECRETS_TOKEN=again",      // a duplicate: once
		"PREFECT__CONTEXT__SECRETS_XTOKEN=canary",    // another name
		"MY_PREFECT__CONTEXT__SECRETS__TOKEN=canary", // more before PREFECT
		"PREFECT__CONTEXT__TOKEN=canary",             // no SECRETS at all
		"TOKEN=canary",                               // the env source's, not this one's
	}}
	got := src.NearMisses("TOKEN")
	want := []string{
		"PREFECT__CONTEXT__SECRETS_TOKEN is set, but Prefect does not read it as a secret: PREFECT, CONTEXT, SECRETS and the name are joined by two underscores each; write PREFECT__CONTEXT__SECRETS__TOKEN",
		"prefect__context__secrets__TOKEN is set, but Prefect does not read it as a secret: Prefect reads only variables that begin with PREFECT in capitals; write PREFECT__CONTEXT__SECRETS__TOKEN",
		"PREFECT__CONTEXT__secrets__TOKEN is set, but Prefect does not read it as a secret: CONTEXT and SECRETS must be both in capitals or both lower-case; write PREFECT__CONTEXT__SECRETS__TOKEN",
		"PREFECT___CONTEXT__SECRETS__TOKEN is set, but Prefect does not read it as a secret: PREFECT, CONTEXT, SECRETS and the name are joined by two underscores each; write PREFECT__CONTEXT__SECRETS__TOKEN",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("NearMisses(TOKEN):\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, line := range got {
		if strings.Contains(line, "canary") || strings.Contains(line, "again") {
			t.Errorf("a value in %q", line)
		}
	}
	// Every near miss is truly not a secret's variable, by Key.
	for _, kv := range src.Environ {
		k, _, _ := strings.Cut(kv, "=")
		if _, secret := Key(k); secret && strings.Contains(strings.Join(got, "\n"), k+" is set") {
			t.Errorf("%s is named as a near miss, but Prefect reads it as a secret", k)
		}
	}
	if got := src.NearMisses("OTHER"); len(got) != 0 {
		t.Errorf("NearMisses(OTHER) = %q, want none", got)
	}
}
