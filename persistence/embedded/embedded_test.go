package embedded_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/persistence"
	"github.com/switchboard/switchboard/persistence/embedded"
	"github.com/switchboard/switchboard/persistence/storetest"
)

func open(t *testing.T, dir string) persistence.Store {
	t.Helper()
	s, err := embedded.Open(dir)
	if err != nil {
		t.Fatalf("open %s: %v", dir, err)
	}
	return s
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) persistence.Store { return open(t, t.TempDir()) })
}

func TestReopen(t *testing.T) {
	storetest.RunReopen(t, func(t *testing.T) storetest.Opener {
		dir := t.TempDir()
		return func(t *testing.T) persistence.Store { return open(t, dir) }
	})
}

func TestOpenCreatesNestedDataDir(t *testing.T) {
	dir := t.TempDir() + "/a/b/data"
	s := open(t, dir)
	defer s.Close(context.Background())
	if _, err := os.Stat(dir + "/" + embedded.FileName); err != nil {
		t.Fatalf("database file: %v", err)
	}
}

// lockHelperEnv makes this test binary, re-executed, play the second process in
// TestSecondProcessIsRefused: it opens the directory named there and reports the error.
const lockHelperEnv = "SWITCHBOARD_EMBEDDED_LOCK_HELPER_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(lockHelperEnv); dir != "" {
		s, err := embedded.Open(dir)
		if err != nil {
			os.Stdout.WriteString(err.Error())
			if errors.Is(err, persistence.ErrUnavailable) {
				os.Exit(3)
			}
			os.Exit(2)
		}
		_ = s.Close(context.Background())
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestSecondProcessIsRefused(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)

	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), lockHelperEnv+"="+dir)
	out, err := cmd.Output()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Fatalf("second process: err %v, output %q; want exit 3 (ErrUnavailable)", err, out)
	}
	if !strings.Contains(string(out), "in use by another process") || !strings.Contains(string(out), dir) {
		t.Fatalf("second process error %q does not say the data directory %s is in use", out, dir)
	}

	// Once the first process lets go, the directory opens again.
	if err := s.Close(context.Background()); err != nil {
		t.Fatalf("close: %v", err)
	}
	cmd = exec.CommandContext(t.Context(), os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), lockHelperEnv+"="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("open after close: %v: %s", err, out)
	}
}
