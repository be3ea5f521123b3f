//go:build unix && !linux

package proc

import "syscall"

// setDeathSignal: only Linux can signal a child when its parent dies.
func setDeathSignal(*syscall.SysProcAttr) {}
