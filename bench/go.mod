// The benchmarks' own programs (floors, timer, maskbench, latency). A module
// of its own, so the main module's `go vet ./...` and `go test ./...` skip it.
module github.com/prefect-secrets/prefect-secrets/bench

go 1.26

require github.com/creack/pty v1.1.24
