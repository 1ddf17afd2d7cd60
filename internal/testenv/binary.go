package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

var switchboard struct {
	once sync.Once
	path string
	err  error
}

// SwitchboardBinary builds cmd/switchboard once per test binary, for tests that run the
// engine as a process of its own (a crash to survive, a bench engine on its own CPUs). The
// go tool is the one on PATH, else the one that built this test.
func SwitchboardBinary(t testing.TB) string {
	t.Helper()
	switchboard.once.Do(func() {
		dir, err := os.MkdirTemp("", "switchboard-bin")
		if err != nil {
			switchboard.err = err
			return
		}
		goTool, err := exec.LookPath("go")
		if err != nil {
			goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		switchboard.path = filepath.Join(dir, "switchboard")
		if out, err := exec.Command(goTool, "build", "-o", switchboard.path, "github.com/switchboard/switchboard/cmd/switchboard").CombinedOutput(); err != nil {
			switchboard.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if switchboard.err != nil {
		t.Fatal(switchboard.err)
	}
	return switchboard.path
}
