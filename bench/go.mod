// The start-up benchmark's own programs (the floors and the timer). A module
// of its own, so the main module's `go vet ./...` and `go test ./...` skip it.
module github.com/prefect-secrets/prefect-secrets/bench

go 1.26
