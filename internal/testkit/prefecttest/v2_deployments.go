package prefecttest

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/prefect-secrets/prefect-secrets/internal/uuid"
)

// Deployments and work pools, as a worker reads them (exec --deployment):
// GET /deployments/name/{flow}/{deployment} and GET /work_pools/{name},
// answering 404 {"detail": "Deployment not found"} and
// {"detail": "Work pool \"NAME\" not found."} as Prefect's server does.

type v2deployment struct {
	id, flowID, name, flow, created string
	pool                            *string
	jobVariables                    json.RawMessage
}

type v2pool struct {
	id, name, kind, created string
	template                json.RawMessage
}

// deploymentStore is the V2 fake's deployments (by "flow/name") and
// work pools (by name).
type deploymentStore struct {
	deployments map[string]*v2deployment
	pools       map[string]*v2pool
}

func (s *V2) deploymentsLocked() *deploymentStore {
	if s.deploys == nil {
		s.deploys = &deploymentStore{deployments: map[string]*v2deployment{}, pools: map[string]*v2pool{}}
	}
	return s.deploys
}

// SetWorkPool stores a work pool of type kind ("process") whose base job
// template is template (any JSON-encodable object).
func (s *V2) SetWorkPool(name, kind string, template any) {
	raw, err := json.Marshal(template)
	if err != nil || !strings.HasPrefix(string(raw), "{") {
		s.t.Errorf("prefecttest V2: SetWorkPool(%q): the template must be a JSON object (%v)", name, err)
		return
	}
	s.smu.Lock()
	defer s.smu.Unlock()
	s.deploymentsLocked().pools[name] = &v2pool{id: uuid.New(), name: name, kind: kind, created: timestamp(time.Now()), template: raw}
}

// SetDeployment stores deployment name of flow, served by work pool pool
// ("" for none), with jobVariables (any JSON-encodable object, or nil).
func (s *V2) SetDeployment(flow, name, pool string, jobVariables any) {
	raw, err := json.Marshal(jobVariables)
	if err != nil || (string(raw) != "null" && !strings.HasPrefix(string(raw), "{")) {
		s.t.Errorf("prefecttest V2: SetDeployment(%q, %q): job variables must be a JSON object (%v)", flow, name, err)
		return
	}
	s.smu.Lock()
	defer s.smu.Unlock()
	d := &v2deployment{id: uuid.New(), flowID: uuid.New(), name: name, flow: flow, created: timestamp(time.Now()), jobVariables: raw}
	if pool != "" {
		d.pool = &pool
	}
	s.deploymentsLocked().deployments[flow+"/"+name] = d
}

// serveDeployments answers the routes of deployments and work pools;
// false when rel is none of them.
func (s *V2) serveDeployments(w http.ResponseWriter, r *http.Request, body []byte, rel string) bool {
	if rest, ok := strings.CutPrefix(rel, "/deployments/name/"); ok {
		escFlow, escName, ok := strings.Cut(rest, "/")
		if !ok || escFlow == "" || escName == "" || strings.Contains(escName, "/") {
			return false
		}
		if !s.route(w, r, body, "GET", "") {
			return true
		}
		flow, ok := s.unescape(w, r, escFlow, "flow's name")
		if !ok {
			return true
		}
		name, ok := s.unescape(w, r, escName, "deployment's name")
		if ok {
			s.readDeployment(w, flow, name)
		}
		return true
	}
	if esc, ok := strings.CutPrefix(rel, "/work_pools/"); ok && esc != "" && !strings.Contains(esc, "/") {
		if !s.route(w, r, body, "GET", "") {
			return true
		}
		if name, ok := s.unescape(w, r, esc, "work pool's name"); ok {
			s.readWorkPool(w, name)
		}
		return true
	}
	return false
}

func (s *V2) readDeployment(w http.ResponseWriter, flow, name string) {
	s.smu.Lock()
	defer s.smu.Unlock()
	d := s.deploymentsLocked().deployments[flow+"/"+name]
	if d == nil {
		detail(w, http.StatusNotFound, "Deployment not found")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id": d.id, "created": d.created, "updated": d.created, "name": d.name, "flow_id": d.flowID,
		"version": nil, "description": nil, "paused": false, "tags": []string{}, "parameters": map[string]any{},
		"entrypoint": "flow.py:" + strings.ReplaceAll(d.flow, "-", "_"), "path": ".",
		"job_variables": d.jobVariables, "work_pool_name": d.pool, "work_queue_name": "default",
		"status": "NOT_READY", "schedules": []any{}, "pull_steps": nil,
	})
}

func (s *V2) readWorkPool(w http.ResponseWriter, name string) {
	s.smu.Lock()
	defer s.smu.Unlock()
	p := s.deploymentsLocked().pools[name]
	if p == nil {
		detail(w, http.StatusNotFound, `Work pool "`+name+`" not found.`)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id": p.id, "created": p.created, "updated": p.created, "name": p.name, "description": nil,
		"type": p.kind, "base_job_template": p.template, "is_paused": false, "concurrency_limit": nil,
		"status": "NOT_READY", "default_queue_id": uuid.New(),
	})
}
