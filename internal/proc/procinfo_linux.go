package proc

import (
	"bytes"
	"os"
	"strconv"
)

// procInfo returns the parent, process group and session of process pid.
func procInfo(pid int) (ppid, pgrp, sid int, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, 0, false
	}
	// pid (comm) state ppid pgrp session ...; comm may hold anything, ")" too.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, 0, false
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 4 {
		return 0, 0, 0, false
	}
	var n [3]int
	for j := range n {
		if n[j], err = strconv.Atoi(string(f[j+1])); err != nil {
			return 0, 0, 0, false
		}
	}
	return n[0], n[1], n[2], true
}

// procStopped reports whether process pid is stopped.
func procStopped(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(b, ')')
	return i >= 0 && i+2 < len(b) && (b[i+2] == 'T' || b[i+2] == 't')
}
