package proc

// harden: Windows writes no core files of its own accord.
func harden() {}

// runMonitor: there is no monitor on Windows (no pseudo-terminals).
func runMonitor() int { return 64 }
