package bench

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func cpus(list ...int) unix.CPUSet {
	var s unix.CPUSet
	for _, c := range list {
		s.Set(c)
	}
	return s
}

func TestParseCPUList(t *testing.T) {
	allowed := cpus(0, 1, 2, 3, 6)
	for _, tc := range []struct {
		list    string
		want    string // formatted; "" with wantErr
		wantErr bool
	}{
		{list: "0", want: "0"},
		{list: "0,2", want: "0,2"},
		{list: "0-3", want: "0-3"},
		{list: "1-2, 6", want: "1-2,6"},
		{list: "3,0-1", want: "0-1,3"},
		{list: "4", wantErr: true},   // not allowed
		{list: "2-1", wantErr: true}, // backwards
		{list: "a", wantErr: true},
		{list: "0-", wantErr: true},
		{list: "", wantErr: true},
		{list: "-1", wantErr: true},
	} {
		got, err := parseCPUList(tc.list, allowed)
		if (err != nil) != tc.wantErr {
			t.Errorf("parseCPUList(%q): err %v, want error %v", tc.list, err, tc.wantErr)
			continue
		}
		if err == nil && formatCPUs(got) != tc.want {
			t.Errorf("parseCPUList(%q) = %s, want %s", tc.list, formatCPUs(got), tc.want)
		}
	}
}

func TestCPUPlacement(t *testing.T) {
	for _, tc := range []struct {
		name         string
		engine, load unix.CPUSet
		rest         string
		shared       bool
	}{
		{"apart", cpus(0, 1), cpus(2, 3), "2-3", false},
		{"overlapping", cpus(0, 1), cpus(1, 2), "2-3", true},
		{"load anywhere", cpus(0, 1, 2, 3), unix.CPUSet{}, "", true},
	} {
		p := cpuPlacement{engine: tc.engine, load: tc.load}
		if got := p.shared(); got != tc.shared {
			t.Errorf("%s: shared %v, want %v", tc.name, got, tc.shared)
		}
		if got := formatCPUs(otherCPUs(cpus(0, 1, 2, 3), tc.engine)); got != tc.rest {
			t.Errorf("%s: other CPUs %q, want %q", tc.name, got, tc.rest)
		}
	}
}

func TestParseStatCPU(t *testing.T) {
	for _, tc := range []struct {
		stat    string
		want    time.Duration
		wantErr bool
	}{
		// utime 1234 and stime 56 ticks of 10 ms; the command name holds a space and a ')'.
		{stat: "4242 (switch board)) S 1 4242 4242 0 -1 4194560 1000 0 0 0 1234 56 0 0 20 0 12 0 100 0 0", want: 12900 * time.Millisecond},
		{stat: "7 (sh) R 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0", want: 0},
		{stat: "7 (sh) R 1 7", wantErr: true},
		{stat: "no command name", wantErr: true},
		{stat: "7 (sh) R 1 7 7 0 -1 0 0 0 0 0 x 0 0 0 20 0 1 0 5 0 0", wantErr: true},
	} {
		got, err := parseStatCPU(tc.stat)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("parseStatCPU(%q) = %v, %v; want %v (error %v)", tc.stat, got, err, tc.want, tc.wantErr)
		}
	}
}
