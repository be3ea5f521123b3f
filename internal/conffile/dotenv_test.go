package conffile

import (
	"fmt"
	"strings"
	"testing"
)

// Each case's expected result is what python-dotenv 1.2 (the version
// Prefect 3.8 installs) gives for the same text: null is a name without
// "=", which sets nothing.
func TestParseDotenvAsPythonDotenv(t *testing.T) {
	lookup := func(name string) (string, bool) {
		if name == "HOME" {
			return "/h", true
		}
		return "", false
	}
	for _, c := range []struct{ in, want string }{
		{"A=1", `A="1"`},
		{"A = 1  ", `A="1"`},
		{"export  A = v  ", `A="v"`},
		{"export=1", `export="1"`},
		{"export A", `A=null`},
		{"A", `A=null`},
		{"'H K'=1", `H K="1"`},
		{"# c\nA=1 # c", `A="1"`},
		{"A=a b #c d", `A="a b"`},
		{"A=a#b", `A="a#b"`},
		{"A=#c", `A="#c"`},
		{"A= #c", `A=""`},
		{"A=", `A=""`},
		{`A="q" junk`, ``},
		{`A="v" # c`, `A="v"`},
		{"A=\"l1\nl2\\n\\$x\"", `A="l1\nl2\n\\$x"`},
		{`A="a\qb\"c\\\\"`, `A="a\\qb\"c\\\\"`},
		{`A='a\'b\\c\nd'`, `A="a'b\\c\\nd"`},
		{`A='${HOME}x'`, `A="/hx"`},
		{`A=${NOPE:-def}${HOME:-z}`, `A="def/h"`},
		{"E=a b\nJ=${E}${E:-x}", `E="a b" J="a ba b"`},
		{"E=\nJ=${E:-x}", `E="" J=""`},
		{"E\nJ=${E:-x}", `E=null J=""`},
		{"A=${a:b}", `A="${a:b}"`},
		{"A=${", `A="${"`},
		{"A=1\nA=2\na=3", `A="2" a="3"`},
		{"=x\nB=1", `B="1"`},
		{"A=\"unclosed\nB=1", `B="1"`},
		{"\ufeffA=1\r\nB=2\rC=3", `A="1" B="2" C="3"`},
		{"A=\x1c1\x1c", `A="1"`},
	} {
		vars, err := ParseDotenv([]byte(c.in), lookup)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		var got []string
		for _, v := range vars {
			if v.Set {
				got = append(got, fmt.Sprintf("%s=%q", v.Key, v.Value))
			} else {
				got = append(got, v.Key+"=null")
			}
		}
		if g := strings.Join(got, " "); g != c.want {
			t.Errorf("%q:\n got %s\nwant %s", c.in, g, c.want)
		}
	}
}

func TestParseDotenvNotUTF8(t *testing.T) {
	if _, err := ParseDotenv([]byte("A=\xff"), nil); err == nil {
		t.Fatal("text that is not UTF-8 parsed")
	}
}

// Long runs of spaces, quotes or references stay linear: 1 MiB of each
// parses (a quadratic scan would not end).
func TestParseDotenvLinear(t *testing.T) {
	for _, in := range []string{
		"A=x" + strings.Repeat(" ", MaxSize) + "y",
		"A=" + strings.Repeat("${a:-", MaxSize/5),
		"A=" + strings.Repeat("${a:", MaxSize/4),
		strings.Repeat("A=\"", MaxSize/3),
	} {
		if _, err := ParseDotenv([]byte(in), func(string) (string, bool) { return "", false }); err != nil {
			t.Fatal(err)
		}
	}
}
