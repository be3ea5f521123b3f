package envfile

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// The examples docker compose documents for .env files, each with the
// value compose gives, then the cases the grammar adds.
func TestParseValues(t *testing.T) {
	cases := []struct {
		src  string
		want string
	}{
		// docs.docker.com, "Syntax for environment files" / ".env file syntax"
		{`VAR=VAL`, `VAL`},
		{`VAR="VAL"`, `VAL`},
		{`VAR='VAL'`, `VAL`},
		{`VAR: VAL`, `VAL`},
		{"VAR = VAL  ", `VAL`},
		{`VAR=VAL # comment`, `VAL`},
		{`VAR=VAL# not a comment`, `VAL# not a comment`},
		{`VAR="VAL # not a comment"`, `VAL # not a comment`},
		{`VAR="VAL" # comment`, `VAL`},
		{`VAR='$OTHER'`, `$OTHER`},
		{`VAR='${OTHER}'`, `${OTHER}`},
		{`VAR='Let\'s go!'`, `Let's go!`},
		{`VAR="{\"hello\": \"json\"}"`, `{"hello": "json"}`},
		{`VAR="some\tvalue"`, "some\tvalue"},
		{`VAR='some\tvalue'`, `some\tvalue`},
		{`VAR=some\tvalue`, `some\tvalue`},
		{"VAR='SOME\nVALUE'", "SOME\nVALUE"},
		// the rest of the grammar
		{`VAR=prefect-secret://DB_PASSWORD`, `prefect-secret://DB_PASSWORD`},
		{`export VAR=prefect-secret://X`, `prefect-secret://X`},
		{"export\tVAR=x", `x`},
		{`  VAR=x`, `x`},
		{`VAR=`, ``},
		{`VAR= `, ``},
		{`VAR=""`, ``},
		{`VAR=''`, ``},
		{`VAR=a#b`, `a#b`},
		{"VAR=a\t#b", "a\t#b"},
		{`VAR="a\nb\r\\c\$d"`, "a\nb\r\\c$d"},
		{`VAR="$$HOME"`, `$HOME`},
		{`VAR=pa$$word`, `pa$word`},
		{`VAR='a\\'`, `a\\`},
		{`VAR='a\"b'`, `a\"b`},
		{`VAR="it's"`, `it's`},
		{`VAR='say "hi"'`, `say "hi"`},
		{"VAR=\"two\nlines\"", "two\nlines"},
		{"VAR='crlf\r\nkept'", "crlf\r\nkept"},
		{"VAR=x\r", `x`},
		{`VAR=a"b'c`, `a"b'c`},
		{`VAR=héllo 世界`, `héllo 世界`},
		{"\xef\xbb\xbfVAR=bom", `bom`},
	}
	for _, tc := range cases {
		entries, err := Parse("f", []byte(tc.src))
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.src, err)
			continue
		}
		if len(entries) != 1 || entries[0].Key != "VAR" || entries[0].Value != tc.want {
			t.Errorf("Parse(%q) = %+v, want VAR=%q", tc.src, entries, tc.want)
		}
	}
}

func TestParseFile(t *testing.T) {
	src := "# the secrets this project needs\n" +
		"\n" +
		"DB_PASSWORD=prefect-secret://DB_PASSWORD\r\n" +
		"  # indented comment\n" +
		"export SLACK=prefect-secret://SLACK_WEBHOOK_URL # where alerts go\n" +
		"MULTI='one\n" +
		"two'\n" +
		"REGION=eu-west-1\n" +
		"db.host: db\n" +
		"REGION=us-east-1"
	entries, err := Parse("f", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{
		{"DB_PASSWORD", "prefect-secret://DB_PASSWORD", 3, 13},
		{"SLACK", "prefect-secret://SLACK_WEBHOOK_URL", 5, 14},
		{"MULTI", "one\ntwo", 6, 8},
		{"REGION", "eu-west-1", 8, 8},
		{"db.host", "db", 9, 10},
		{"REGION", "us-east-1", 10, 8},
	}
	if len(entries) != len(want) {
		t.Fatalf("got %d entries %+v, want %d", len(entries), entries, len(want))
	}
	for i := range want {
		if entries[i] != want[i] {
			t.Errorf("entry %d = %+v, want %+v", i, entries[i], want[i])
		}
	}
}

// ValueCol is where the value's text starts on its line, so that an error
// about a reference's NAME can name FILE:LINE:COL as syntax errors do.
func TestParseValueColumn(t *testing.T) {
	cases := []struct {
		src string
		col int
	}{
		{`X=prefect-secret://A`, 3},
		{`  X=v`, 5},
		{`export X=v`, 10},
		{"export	  X = 	v", 15},
		{`X: v`, 4},
		{`LONG.name-1=v`, 13},
		{`X="v"`, 4},
		{`X='v'`, 4},
		{`X = "prefect-secret://A" # c`, 6},
		{`X=`, 3},
		{`X=  `, 5},
		{`X=""`, 4},
		{"\xef\xbb\xbfX=v", 3}, // counted after the byte order mark, as errors are
		{"A=1\nB='two\nlines'\nX=v", 3},
	}
	for _, tc := range cases {
		entries, err := Parse("f", []byte(tc.src))
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.src, err)
			continue
		}
		if e := entries[len(entries)-1]; e.ValueCol != tc.col {
			t.Errorf("Parse(%q): %s's value at column %d, want %d", tc.src, e.Key, e.ValueCol, tc.col)
		}
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		src       string
		line, col int
		msg       string
	}{
		{"A=1\nVAR\n", 2, 4, "has no value"},
		{"VAR", 1, 4, "has no value"},
		{"=x", 1, 1, "name before \"=\" is missing"},
		{"VAR x", 1, 5, "expected = or :"},
		{"MY!VAR=x", 1, 3, "only letters"},
		{"!x", 1, 1, "expected a variable name"},
		{"A=1\n\nVAR='open\nstill", 3, 5, "single-quoted value that starts here has no closing quote"},
		{`VAR="open`, 1, 5, "double-quoted value that starts here has no closing quote"},
		{`VAR="ends in backslash\"`, 1, 5, "no closing quote"},
		{`VAR="a\qb"`, 1, 7, "unknown escape"},
		{`VAR="C:\Users"`, 1, 8, "unknown escape"},
		{`VAR=$HOME`, 1, 5, "interpolated"},
		{`VAR=${HOME}`, 1, 5, "interpolated"},
		{`VAR=$`, 1, 5, "interpolated"},
		{`VAR=a $1`, 1, 7, "interpolated"},
		{"VAR=\"x\n$HOME\"", 2, 1, "interpolated"},
		{`VAR="a"b`, 1, 8, "after the closing quote"},
		{`VAR='a' 'b'`, 1, 9, "after the closing quote"},
		{`VAR=#x`, 1, 5, "may not start with #"},
		// compose's docs make this a comment, its parser the value "# c": refused
		{`VAR= # c`, 1, 6, "may not start with #"},
	}
	for _, tc := range cases {
		_, err := Parse("refs.env", []byte(tc.src))
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) = %v, want a syntax error", tc.src, err)
			continue
		}
		if se.Line != tc.line || se.Col != tc.col || !strings.Contains(se.Msg, tc.msg) {
			t.Errorf("Parse(%q) = %v, want refs.env:%d:%d: ...%s...", tc.src, err, tc.line, tc.col, tc.msg)
		}
		if !strings.HasPrefix(err.Error(), "refs.env:") {
			t.Errorf("Parse(%q) error %q does not start with the file name", tc.src, err)
		}
	}
}

// A syntax error names a position, never the text there: a broken file may
// hold a value.
func TestParseErrorsNeverQuoteTheFile(t *testing.T) {
	const secret = "hunter2-SECRET"
	srcs := []string{
		secret + "\n",
		secret + " x\n",
		"A" + secret + "!=x\n",
		"VAR=" + secret + "$x\n",
		"VAR=\"" + secret + "\\q\"\n",
		"VAR=\"" + secret + "\n",
		"VAR='" + secret + "\n",
		"VAR='" + secret + "' " + secret + "\n",
		"VAR=#" + secret + "\n",
	}
	for _, src := range srcs {
		_, err := Parse("f", []byte(src))
		if err == nil {
			t.Errorf("Parse(%q) succeeded, want an error", src)
			continue
		}
		if strings.Contains(err.Error(), "hunter") {
			t.Errorf("Parse(%q) error quotes the file: %v", src, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("A=prefect-secret://X\n# c\nexport B='x\\'y'\nC=\"a\\n$$\" # c\n"))
	f.Add([]byte("VAR: 'multi\nline'\r\nX=1 # c"))
	f.Add([]byte("\xef\xbb\xbfA=\"\\\\\"\nB='\\\\'"))
	f.Fuzz(func(t *testing.T, src []byte) {
		entries, err := Parse("f", src)
		lines := bytes.Count(src, []byte("\n")) + 1
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %v is not a *SyntaxError", err)
			}
			if se.Line < 1 || se.Line > lines || se.Col < 1 {
				t.Fatalf("error position %d:%d outside a file of %d lines", se.Line, se.Col, lines)
			}
			return
		}
		last := 0
		for _, e := range entries {
			if e.Key == "" || e.Line < last || e.Line > lines {
				t.Fatalf("bad entry %+v after line %d", e, last)
			}
			line := bytes.Split(bytes.TrimPrefix(src, []byte("\xef\xbb\xbf")), []byte("\n"))[e.Line-1]
			if e.ValueCol <= len(e.Key)+1 || e.ValueCol > len(line)+1 {
				t.Fatalf("entry %+v: value column outside its line %q", e, line)
			}
			for i := 0; i < len(e.Key); i++ {
				if !isKeyChar(e.Key[i]) {
					t.Fatalf("key %q holds %q", e.Key, e.Key[i])
				}
			}
			last = e.Line
		}
	})
}
