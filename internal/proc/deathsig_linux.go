package proc

import "syscall"

// setDeathSignal makes the kernel send the child SIGTERM if we die without
// passing on a signal (SIGKILL, a crash), so that it does not run on
// unsupervised. The kernel ties this to the thread that forks, not to the
// process: see forkExec.
func setDeathSignal(sys *syscall.SysProcAttr) { sys.Pdeathsig = syscall.SIGTERM }
