//go:build unix

package scripts

import (
	"encoding/json"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// processTemplate is Prefect 3.9.1's default base job template of a
// process work pool (ProcessWorker.get_default_base_job_template()),
// variables trimmed to what a worker reads: the defaults.
const processTemplate = `{
  "job_configuration": {"command": "{{ command }}", "env": "{{ env }}", "labels": "{{ labels }}",
    "name": "{{ name }}", "stream_output": "{{ stream_output }}", "working_dir": "{{ working_dir }}"},
  "variables": {"type": "object", "properties": {
    "name": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": null, "title": "Name"},
    "env": {"additionalProperties": {"anyOf": [{"type": "string"}, {"type": "null"}]}, "title": "Environment Variables", "type": "object"},
    "labels": {"additionalProperties": {"type": "string"}, "title": "Labels", "type": "object"},
    "command": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": null, "title": "Command"},
    "stream_output": {"default": true, "title": "Stream Output", "type": "boolean"},
    "working_dir": {"anyOf": [{"type": "string", "format": "path"}, {"type": "null"}], "default": null, "title": "Working Directory"}}}
}`

// apiworkpool NAME (process | TEMPLATE_JSON) stores a process work pool in
// the fake Prefect 2/3 API, with Prefect's default base job template or
// the one given.
func cmdAPIWorkPool(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: apiworkpool NAME (process | TEMPLATE_JSON)")
	}
	v2 := fakeV2(ts, "apiworkpool")
	tmpl := args[1]
	if tmpl == "process" {
		tmpl = processTemplate
	}
	if !json.Valid([]byte(tmpl)) {
		ts.Fatalf("apiworkpool %s: the template is not JSON", args[0])
	}
	v2.SetWorkPool(args[0], "process", json.RawMessage(tmpl))
}

// apideployment FLOW/NAME POOL JOB_VARIABLES_JSON stores a deployment in
// the fake Prefect 2/3 API; POOL "-" for none.
func cmdAPIDeployment(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: apideployment FLOW/NAME POOL JOB_VARIABLES_JSON")
	}
	v2 := fakeV2(ts, "apideployment")
	flow, name, ok := strings.Cut(args[0], "/")
	if !ok {
		ts.Fatalf("apideployment %s: want FLOW/NAME", args[0])
	}
	pool := args[1]
	if pool == "-" {
		pool = ""
	}
	if !json.Valid([]byte(args[2])) {
		ts.Fatalf("apideployment %s: the job variables are not JSON", args[0])
	}
	v2.SetDeployment(flow, name, pool, json.RawMessage(args[2]))
}
