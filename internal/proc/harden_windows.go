package proc

// harden: Windows writes no core files of its own accord.
func harden() {}
