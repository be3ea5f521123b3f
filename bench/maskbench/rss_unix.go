//go:build unix

package main

import (
	"os"
	"syscall"
)

// maxRSS is the most memory the process had resident, in KiB (bytes on
// macOS).
func maxRSS(st *os.ProcessState) int64 { return st.SysUsage().(*syscall.Rusage).Maxrss }
