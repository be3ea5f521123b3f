//go:build unix && !linux

package realprefect

import "syscall"

// sysProcAttr puts the server in a process group of its own, so Stop ends
// all of it. (Only Linux can tie the server's life to the test binary's.)
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
