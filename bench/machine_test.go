package bench

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// Two runs compare only beside what they ran with: the runtime's Ps and collector setting
// (the engine raises both; the environment overrides them), the kernel, and how loaded the
// machine was when the run began.
func TestMachineNamesWhatRunsDependOn(t *testing.T) {
	m := Machine()
	for _, want := range []string{"GOMAXPROCS ", "GOGC ", "kernel ", "load average "} {
		if !strings.Contains(m, want) {
			t.Errorf("no %q in %q", want, m)
		}
	}
}

func TestParseHostTimes(t *testing.T) {
	got, err := parseHostTimes("cpu  438072 10 144950 180937 3080 5 6235 70 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n")
	want := hostTimes{busy: 438072 + 10 + 144950 + 5 + 6235, steal: 70, total: 438072 + 10 + 144950 + 180937 + 3080 + 5 + 6235 + 70}
	if err != nil || got != want {
		t.Fatalf("got %+v %v, want %+v", got, err, want)
	}
	for _, bad := range []string{"", "intr 1 2 3", "cpu  1 2 x 4 5 6 7 8"} {
		if _, err := parseHostTimes(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	if _, err := readHostTimes(); err != nil {
		t.Fatalf("this machine's /proc/stat: %v", err)
	}
}

// The CPU other processes took during a run is the machine's busy time less this process's:
// on a shared VM it is what explains a slow run.
func TestOtherWorkDuringARun(t *testing.T) {
	// 2 cores for 10 s is 2,000 ticks; busy 1,500 of them, this process 12 s of CPU.
	before := hostTimes{busy: 10_000, steal: 100, total: 50_000}
	after := hostTimes{busy: 11_500, steal: 200, total: 52_000}
	got := otherWork(before, after, 12*time.Second)
	for _, want := range []string{"15% of the machine's CPU", "5% stolen"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q lacks %q", got, want)
		}
	}
	if got := otherWork(before, before, 0); got != "n/a" {
		t.Errorf("no time between the readings: %q", got)
	}
}

// A valid run's figures end with the other work on the machine during it; an invalid run
// prints nothing, that line neither.
func TestAlongsideOtherWork(t *testing.T) {
	var out bytes.Buffer
	if err := printIfValid(&out, alongsideOtherWork("", func(w io.Writer) error {
		_, err := io.WriteString(w, "  figure\n")
		// The run lasts until the machine's CPU time moves on (a tick, 10 ms at most), so
		// the line has a figure to show rather than "n/a".
		start, terr := readHostTimes()
		for deadline := time.Now().Add(5 * time.Second); terr == nil && time.Now().Before(deadline); {
			now, nerr := readHostTimes()
			if terr = nerr; nerr != nil || now.total > start.total {
				break
			}
			time.Sleep(time.Millisecond)
		}
		return errors.Join(err, terr)
	})); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(out.String()), "\n"); len(lines) != 2 || !strings.Contains(lines[1], "of the machine's CPU went to other processes") {
		t.Fatalf("report %q", out.String())
	}
	out.Reset()
	// The error says it instead: whether the machine was busy is what tells a failed pacing
	// check of a busy hour from a pacer that overran.
	invalid := errors.New("invalid")
	err := printIfValid(&out, alongsideOtherWork("", func(w io.Writer) error { return invalid }))
	if !errors.Is(err, invalid) || !strings.Contains(err.Error(), "other work during the run: ") || out.Len() != 0 {
		t.Fatalf("invalid run: %v, printed %q", err, out.String())
	}
}
