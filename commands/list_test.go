package commands

import (
	"bytes"
	"io"
	"regexp"
	"strings"
	"testing"
)

// On a colour terminal the columns line up as the eye sees them: the
// header's colour codes take no room, nor do names count by bytes (a CJK
// name is two columns a character).
func TestListColumnsAlignOnAColourTerminal(t *testing.T) {
	env := []string{"TERM=xterm", "HOME=" + t.TempDir(),
		"PREFECT__CONTEXT__SECRETS__A=1", "PREFECT__CONTEXT__SECRETS__A_LONGER_NAME=2",
		"PREFECT__CONTEXT__SECRETS__密码=3", "PREFECT__CONTEXT__SECRETS__Pässwort=4", "A=shadowed"}
	var out bytes.Buffer
	o := &IO{Out: &out, Err: io.Discard, OutTTY: true, Environ: env}
	if err := New(o, "test").Run([]string{"prefect-secrets", "--sources", "context,env", "list"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "\x1b[") {
		t.Fatalf("no colour in the table, so nothing is checked:\n%s", out.String())
	}
	plain := regexp.MustCompile("\x1b\\[[0-9;]*m").ReplaceAllString(out.String(), "")
	lines := strings.Split(strings.TrimRight(plain, "\n"), "\n")
	header := lines[0]
	sourceCol := textWidth(header[:strings.Index(header, "SOURCE")])
	shadowsCol := textWidth(header[:strings.Index(header, "SHADOWS")])
	field := regexp.MustCompile(`^(\S+ +)(\S+)( +)?(\S+)?$`)
	seen := 0
	for _, l := range lines[1:] {
		m := field.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("line %q is not NAME SOURCE [SHADOWS]", l)
			continue
		}
		if got := textWidth(m[1]); got != sourceCol {
			t.Errorf("line %q: the source starts at column %d, the header's SOURCE at %d", l, got, sourceCol)
		}
		if m[4] != "" {
			seen++
			if got := textWidth(m[1] + m[2] + m[3]); got != shadowsCol {
				t.Errorf("line %q: shadows start at column %d, the header's SHADOWS at %d", l, got, shadowsCol)
			}
		}
		if strings.HasSuffix(l, " ") {
			t.Errorf("line %q ends in spaces", l)
		}
	}
	if seen == 0 || !strings.Contains(plain, "密码") {
		t.Errorf("the table lacks a shadowed name or the CJK name:\n%s", plain)
	}
}
