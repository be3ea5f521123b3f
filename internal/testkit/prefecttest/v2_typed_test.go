package prefecttest

import (
	"testing"
)

// Blocks of other types and variables answer as Prefect's server does: a
// type or document it does not know is its own 404, not a wrong request;
// without include_secrets the schema's secret fields are masked.
func TestV2TypedBlocksAndVariables(t *testing.T) {
	ft := newFakeT(t)
	s := NewV2(ft)
	s.SetBlockType("webhook", "url", "headers.*")
	s.SetTypedBlock("webhook", "hook", map[string]any{"method": "POST", "url": "https://h.example/x", "headers": map[string]any{"X-Key": "k1"}})
	s.SetVariable("region", "eu-west-1")
	s.SetVariable("limits", map[string]any{"cpu": 2})

	r := do(t, nil, "GET", s.URL()+"/block_types/slug/webhook/block_documents/name/hook?include_secrets=true", "")
	wantStatus(t, r, 200)
	data := r.json(t).(map[string]any)["data"].(map[string]any)
	if data["url"] != "https://h.example/x" || data["headers"].(map[string]any)["X-Key"] != "k1" {
		t.Errorf("with secrets: %v", data)
	}
	r = do(t, nil, "GET", s.URL()+"/block_types/slug/webhook/block_documents/name/hook", "")
	data = r.json(t).(map[string]any)["data"].(map[string]any)
	if data["url"] != Obfuscated || data["headers"].(map[string]any)["X-Key"] != Obfuscated || data["method"] != "POST" {
		t.Errorf("without secrets: %v", data)
	}
	for path, want := range map[string]string{
		"/block_types/slug/webhook/block_documents/name/none": `{"detail":"Block document not found"}`,
		"/block_types/slug/nosuch/block_documents/name/hook":  `{"detail":"Block document not found"}`,
		"/block_types/slug/nosuch":                            `{"detail":"Block type not found"}`,
		"/variables/name/none":                                `{"detail":"Variable not found."}`,
	} {
		r := do(t, nil, "GET", s.URL()+path, "")
		if r.status != 404 || r.body != want+"\n" && r.body != want {
			t.Errorf("GET %s: %d %s, want 404 %s", path, r.status, r.body, want)
		}
	}
	wantStatus(t, do(t, nil, "GET", s.URL()+"/block_types/slug/webhook", ""), 200)
	r = do(t, nil, "GET", s.URL()+"/variables/name/limits", "")
	if v := r.json(t).(map[string]any); v["name"] != "limits" || v["value"].(map[string]any)["cpu"] != float64(2) {
		t.Errorf("variable: %s", r.body)
	}
	ft.wantNone(t)
}
