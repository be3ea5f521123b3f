package proc

import "os"

// monitorArg, as our only argument, makes this process exec's monitor
// (see runMonitor): the process in between exec and a command that has a
// pseudo-terminal of its own. It is for prefect-secrets' own use.
const monitorArg = "--exec-monitor"

// AtStart is the first thing prefect-secrets does, for every command: it
// keeps this process's memory, where secrets pass, out of core files and
// away from other processes (harden), and runs exec's monitor when this
// process was started as one (then it never returns). It costs one system
// call.
func AtStart() {
	harden()
	if len(os.Args) == 2 && os.Args[1] == monitorArg {
		os.Exit(runMonitor())
	}
}
