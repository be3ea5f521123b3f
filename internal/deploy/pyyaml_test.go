package deploy

import (
	"encoding/json"
	"testing"
)

// TestPlainScalarsAsPrefectStoresThem pins what prefect deploy stores for
// plain scalars of prefect.yaml, then str()'d as a worker does: each row
// is what PyYAML 6.0.4's safe_load and pydantic's model_dump(mode="json")
// gave in Prefect 3.9.1's virtualenv (str() of the stored value; "<None>"
// for null).
func TestPlainScalarsAsPrefectStoresThem(t *testing.T) {
	for in, want := range map[string]string{
		"yes": "True", "Off": "False", "TRUE": "True", "y": "y",
		"0777": "511", "1_000": "1000", "1:30": "90", "0x1F": "31", "0b101": "5", "+12": "12",
		"-0": "0", "00": "0", "09": "09", "0o17": "0o17", "1__0": "10",
		".inf": "<None>", "-.nan": "-.nan", "~": "<None>", "null": "<None>", "": "<None>",
		"1e3": "1e3", "1.50": "1.5", "0.": "0.0", ".5": "0.5", "6.8523015e+5": "685230.15", "190:20:30.15": "685230.15",
		"2001-12-14": "2001-12-14", "text": "text", "{{": "{{",
	} {
		v, err := plainScalar(in)
		if err != nil {
			t.Errorf("plainScalar(%q): %v", in, err)
			continue
		}
		got := "<None>"
		if v != nil {
			if got, err = pyText(v); err != nil {
				t.Errorf("pyText(%q's %#v): %v", in, v, err)
			}
		}
		if got != want {
			t.Errorf("%q: got %q, want %q (Prefect's)", in, got, want)
		}
	}
	if v, _ := plainScalar("2001-12-14 21:59:43"); v != timestamp("2001-12-14 21:59:43") {
		t.Errorf("a timestamp is kept as one, got %#v", v)
	}
	if _, err := plainScalar("="); err == nil {
		t.Errorf("a plain = is refused, as safe_load refuses YAML 1.1's value tag")
	}
	if v, _ := plainScalar("12345678901234567890123"); v != json.Number("12345678901234567890123") {
		t.Errorf("a big int keeps its digits, got %#v", v)
	}
}
