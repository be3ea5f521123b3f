package main

// The addresses cases: -blocks N database-credentials blocks db1..dbN, each
// with four string fields (username, password, host, database) whose values
// are "dbI-FIELD-value", read as Prefect's client reads a block for an
// address: GET /api/block_types/slug/database-credentials/block_documents/name/dbI,
// include_secrets=true or not (then password is "********", its schema's
// secret field). GET /api/block_types/slug/database-credentials answers the
// type. Any other slug or name is Prefect's 404.

import (
	"flag"
	"fmt"
	"net/http"
	"strings"
)

const (
	typedSlug     = "database-credentials"
	typedTypeID   = "7b1e2c3d-4f5a-4b6c-8d7e-9f0a1b2c3d4e"
	typedSchemaID = "8c2f3d4e-5a6b-4c7d-9e8f-0a1b2c3d4e5f"
)

var (
	typedBlocks = flag.Int("blocks", 5, "database-credentials blocks db1..dbN, 4 fields each (the addresses cases)")
	typedFields = []string{"username", "password", "host", "database"}
)

// typed answers the database-credentials routes (after api's delay and
// count); false when p is none of them.
func typed(w http.ResponseWriter, r *http.Request, p string) bool {
	const typePath = "/api/block_types/slug/" + typedSlug
	const byName = typePath + "/block_documents/name/"
	switch {
	case p == typePath && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, typedType())
	case strings.HasPrefix(p, byName) && r.Method == http.MethodGet:
		name := p[len(byName):]
		var i int
		if _, err := fmt.Sscanf(name, "db%d", &i); err != nil || i < 1 || i > *typedBlocks || name != fmt.Sprintf("db%d", i) {
			writeJSON(w, http.StatusNotFound, map[string]string{"detail": "Block document not found"})
			return true
		}
		if q := r.URL.RawQuery; q != "include_secrets=true" && q != "include_secrets=false" && q != "" {
			badf(w, r, http.StatusUnprocessableEntity, "unexpected query %q", q)
			return true
		}
		writeJSON(w, http.StatusOK, typedDoc(i, r.URL.Query().Get("include_secrets") == "true"))
	default:
		return false
	}
	return true
}

func typedType() map[string]any {
	return map[string]any{
		"id": typedTypeID, "created": stamp, "updated": stamp, "name": "Database Credentials", "slug": typedSlug,
		"description": "Block used to manage authentication with a database.", "is_protected": false,
	}
}

func typedDoc(i int, include bool) map[string]any {
	name := fmt.Sprintf("db%d", i)
	data := map[string]any{"driver": "postgresql+asyncpg", "port": 5432}
	for _, f := range typedFields {
		data[f] = name + "-" + f + "-value"
	}
	if !include {
		data["password"] = obfuscated
	}
	return map[string]any{
		"id":   fmt.Sprintf("5e0c%04x-1d2e-4f3a-8b4c-5d6e7f80%04x", i, i),
		"name": name, "created": stamp, "updated": stamp, "data": data,
		"block_schema_id": typedSchemaID,
		"block_schema": map[string]any{
			"id": typedSchemaID, "created": stamp, "updated": stamp, "checksum": "sha256:" + strings.Repeat("d1", 32),
			"fields": map[string]any{"title": "DatabaseCredentials", "type": "object", "block_type_slug": typedSlug,
				"secret_fields": []string{"password"}, "block_schema_references": map[string]any{}},
			"block_type_id": typedTypeID, "block_type": typedType(), "capabilities": []string{}, "version": "0.4.0",
		},
		"block_type_id": typedTypeID, "block_type_name": "Database Credentials", "block_type": typedType(),
		"block_document_references": map[string]any{}, "is_anonymous": false,
	}
}
