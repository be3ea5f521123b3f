//go:build unix

// Package scripts is what the testscript scenarios (testdata/*.txtar) run
// with beside the tool: the programs a script can exec (exits, ptyrun,
// unprivileged, waitreadergone), the commands it can call (keyring,
// prefectapi, waitfile, signal, readback, checkoutbuild, ...), the
// conditions it can test ([keyring], [secret-tool]) and the set-up every
// script shares. A test binary that runs scripts hands these to
// testscript.Main and testscript.Run.
package scripts

import (
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/rogpeppe/go-internal/testscript"
)

// Programs are the helper programs a script can exec beside the tool, for
// testscript.Main.
func Programs() map[string]func() {
	return map[string]func(){
		"exits":          exitsMain,
		"ptyrun":         ptyrunMain,
		"unprivileged":   unprivilegedMain,
		"waitreadergone": waitReaderGoneMain,
	}
}

// Commands are the script commands, for testscript.Params.Cmds.
func Commands() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"waitfile":   cmdWaitfile,
		"waitstop":   cmdWaitstop,
		"waitcaught": cmdWaitcaught,
		"signal":     cmdSignal,
		"chomp":      Chomp,
		"keyring":    cmdKeyring,
		"prefectapi": cmdPrefectAPI,
		"apiblock":   cmdAPIBlock,
		"apihas":     cmdAPIHas,
		"apicount":   cmdAPICount,
		"apiscript":  cmdAPIScript,
		// api_typed.go
		"apitypedblock": cmdAPITypedBlock,
		"apiblocktype":  cmdAPIBlockType,
		"apivariable":   cmdAPIVariable,
		// api_deployments.go
		"apiworkpool":   cmdAPIWorkPool,
		"apideployment": cmdAPIDeployment,
		"checkoutbuild": cmdCheckoutBuild,
		// format.go
		"hostile":     cmdHostile,
		"readback":    cmdReadback,
		"samedir":     cmdSamedir,
		"runnermasks": cmdRunnermasks,
		"filemode":    cmdFilemode,
		"bigtemplate": cmdBigtemplate,
		// apianswer.go, loopback.go
		"apianswer":  cmdAPIAnswer,
		"httpserver": cmdHTTPServer,
		"httpbasic":  cmdHTTPBasic,
	}
}

// Condition answers the scripts' conditions: see keyringCondition.
func Condition(cond string) (bool, error) { return keyringCondition(cond) }

// Cleanup ends what scripts share across a run: the shared Secret Service
// and the checkouts built. A later run (go test -count=N) starts anew.
func Cleanup() {
	stopSharedKeyring()
	removeCheckouts()
}

// Main is TestMain for a test binary that runs the tool: re-executed under
// the name prefect-secrets it is the tool (tool, which exits), under a
// helper's name that helper; else it runs the tests (m: a *testing.M, or
// one wrapped, e.g. by realprefect.ReportingSkips).
func Main(m testscript.TestingM, tool func()) {
	programs := Programs()
	programs["prefect-secrets"] = tool
	if _, isProgram := programs[filepath.Base(os.Args[0])]; !isProgram {
		unignoreSignals()
	}
	testscript.Main(m, programs)
}

// unignoreSignals gives the processes the tests start the default action
// for the signals the tests send, when the test run was started with them
// ignored: under nohup (HUP), or as a background job of a script (INT and
// QUIT). An ignored signal is inherited, and a shell cannot trap a signal
// ignored at its start, so the signal tests would fail for the runner's
// reasons, not the tool's. Caught here, the signals reset to their default
// in every child. (The tool itself keeps what it inherits: nohup
// prefect-secrets exec -- CMD leaves HUP ignored for CMD, as nohup means.)
func unignoreSignals() {
	caught := make(chan os.Signal, 1)
	for _, sig := range []os.Signal{syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT} {
		if signal.Ignored(sig) {
			signal.Notify(caught, sig)
		}
	}
}

// Home gives a script what every scenario runs with: a home of its
// own ($WORK/home, made), a user, and no 1s pause at the exit of each
// race-built process. It returns the home.
func Home(env *testscript.Env) (string, error) {
	home := filepath.Join(env.WorkDir, "home")
	env.Setenv("HOME", home)
	env.Setenv("USER", "flow")
	env.Setenv("GORACE", "atexit_sleep_ms=0")
	return home, os.MkdirAll(home, 0o755)
}
