package localcontext

import (
	"fmt"
	"strings"
)

// NearMisses names the environment variables that look like the local
// context's variable for name but that Prefect does not read as it:
// PREFECT__CONTEXT__SECRETS_NAME (one underscore), prefect__context__...
// (lower-case PREFECT), PREFECT__Context__Secrets__NAME (CONTEXT__SECRETS
// neither all capitals nor all lower-case), PREFECT__CONTEXT__SECRET__NAME
// (singular). Each line says why and what to write; none names a value.
// (A variable Prefect does read, under another name, is left to the
// suggestions of names: Key gives that name.)
func (c *Source) NearMisses(name string) []string {
	var out []string
	eachVariable(c.Environ, func(k, _ string) {
		prefix, isFor := strings.CutSuffix(k, name)
		if !isFor || name == "" {
			return
		}
		if _, secret := Key(k); secret {
			return
		}
		if why := notSecretBecause(prefix); why != "" {
			out = append(out, fmt.Sprintf("%s is set, but Prefect does not read it as a secret: %s; write %s%s", k, why, Prefix, name))
		}
	})
	return out
}

// notSecretBecause says why prefix, which reads as PREFECT, CONTEXT and
// SECRET(S) joined by underscores, does not make a secret's variable; ""
// when it does not read so at all.
func notSecretBecause(prefix string) string {
	words, seps := splitUnderscores(prefix)
	if len(words) != 3 || len(seps) != 3 || !strings.EqualFold(words[0], "prefect") || !strings.EqualFold(words[1], "context") ||
		!strings.EqualFold(words[2], "secrets") && !strings.EqualFold(words[2], "secret") {
		return ""
	}
	var why []string
	if words[0] != "PREFECT" {
		why = append(why, "Prefect reads only variables that begin with PREFECT in capitals")
	}
	mid := words[1] + "__" + words[2]
	if mid != "CONTEXT__SECRETS" && mid != "context__secrets" && strings.EqualFold(words[2], "secrets") {
		why = append(why, "CONTEXT and SECRETS must be both in capitals or both lower-case")
	}
	if strings.EqualFold(words[2], "secret") {
		why = append(why, "it is SECRETS, plural")
	}
	for _, s := range seps {
		if s != 2 {
			why = append(why, "PREFECT, CONTEXT, SECRETS and the name are joined by two underscores each")
			break
		}
	}
	return strings.Join(why, ", and ")
}

// splitUnderscores splits s at its runs of underscores: the words between
// them, and the length of each run, in order.
func splitUnderscores(s string) (words []string, seps []int) {
	for s != "" {
		i := strings.IndexByte(s, '_')
		if i < 0 {
			return append(words, s), seps
		}
		words = append(words, s[:i])
		j := i
		for j < len(s) && s[j] == '_' {
			j++
		}
		seps = append(seps, j-i)
		s = s[j:]
	}
	return words, seps
}
