package ratelimit

import (
	"math/rand/v2"
	"testing"
)

// TestCounterSlides walks the algorithm on a fake clock: limit 10 per 100 ticks.
func TestCounterSlides(t *testing.T) {
	const limit, size = 10, 100
	var c counter
	steps := []struct {
		now       int64
		allowed   bool
		remaining int64
		wait      int64
	}{
		{0, true, 9, 0},
		{0, true, 8, 0}, {0, true, 7, 0}, {0, true, 6, 0}, {0, true, 5, 0},
		{0, true, 4, 0}, {0, true, 3, 0}, {0, true, 2, 0}, {0, true, 1, 0},
		{0, true, 0, 0},
		{0, false, 0, size}, // exact wait is 101, capped to the window
		{50, false, 0, 51},  // next window starts at 100; 1 tick in, 10×99/100 floors to 9
		{101, true, 0, 0},   // previous share 9 + 1 = 10
		{101, false, 0, 10}, // current 1; the share must fall to 8: 10×(100−e)/100 < 9 ⇔ e > 10
		{110, false, 0, 1},
		{111, true, 0, 0},
		{299, true, 9, 0}, // window 200..300, prev 2 (from 100..200): floor(2×1/100) = 0
		{500, true, 9, 0}, // two windows of silence: fresh start
	}
	for i, s := range steps {
		allowed, remaining, wait := c.take(s.now, limit, size, false)
		if allowed != s.allowed || remaining != s.remaining || wait != s.wait {
			t.Fatalf("step %d at %d: got (%v, %d, %d), want (%v, %d, %d); state %+v",
				i, s.now, allowed, remaining, wait, s.allowed, s.remaining, s.wait, c)
		}
	}
}

// TestRetryAfterIsExact checks the wait against brute force on random histories: one tick
// before it a request is still denied, at it one is allowed.
func TestRetryAfterIsExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		limit := 1 + rng.Int64N(20)
		size := 1 + rng.Int64N(1000)
		var c counter
		now := rng.Int64N(1000)
		for range 200 {
			now += rng.Int64N(size/4 + 1)
			probe := c
			allowed, _, wait := c.take(now, limit, size, false)
			if allowed {
				continue
			}
			if wait <= 0 || wait > size {
				t.Fatalf("limit %d size %d: wait %d out of (0, size]", limit, size, wait)
			}
			if early := probe; wait > 1 {
				if ok, _, _ := early.take(now+wait-1, limit, size, false); ok {
					t.Fatalf("limit %d size %d state %+v now %d: allowed at wait−1 = %d", limit, size, probe, now, wait-1)
				}
			}
			exact := probe
			if ok, _, _ := exact.take(now+wait, limit, size, false); !ok && !(wait == size && probe.cur >= limit) {
				t.Fatalf("limit %d size %d state %+v now %d: still denied after wait %d", limit, size, probe, now, wait)
			}
		}
	}
}

func TestMulDivDoesNotOverflow(t *testing.T) {
	const hour = int64(3600e9) // nanoseconds
	if got := mulDiv(5_000_000, hour/2, hour); got != 2_500_000 {
		t.Fatalf("mulDiv = %d, want 2500000", got)
	}
	if got := fadeOffset(5_000_000, 5_000_000, hour); got != 1 {
		t.Fatalf("fadeOffset = %d, want 1", got)
	}
}

// TestAnyWindowHoldsAtMostTwiceTheLimit pins down what the package comment promises of an
// arbitrary stretch of one window's length: never more than twice the limit (each window
// allows at most the limit, and a stretch overlaps two), and almost that when a caller saves
// its budget for the end of one window and then spends the next as it fades in.
func TestAnyWindowHoldsAtMostTwiceTheLimit(t *testing.T) {
	maxInAnyWindow := func(times []int64, size int64) int {
		best := 0
		for i, j := 0, 0; i < len(times); i++ {
			for j < len(times) && times[j] < times[i]+size {
				j++
			}
			best = max(best, j-i)
		}
		return best
	}
	const size = 900 // ticks: 15 minutes of seconds
	for _, limit := range []int64{1, 10, 100} {
		// Saved for the end: the first request, the rest on the window's last tick, then
		// one whenever allowed.
		var c counter
		times := []int64{0}
		c.take(0, limit, size, false)
		for now := int64(size - 1); now < 4*size; now++ {
			for ok, _, _ := c.take(now, limit, size, false); ok; ok, _, _ = c.take(now, limit, size, false) {
				times = append(times, now)
			}
		}
		if got := maxInAnyWindow(times, size); got > int(2*limit) || got < int(2*limit-1) {
			t.Errorf("limit %d: %d requests in one window's stretch, want 2×limit−1 (bound 2×limit)", limit, got)
		}
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 300 {
		limit := 1 + rng.Int64N(30)
		var c counter
		var times []int64
		for now := int64(0); now < 10*size; now += rng.Int64N(size / 3) {
			for range rng.Int64N(2 * limit) {
				if ok, _, _ := c.take(now, limit, size, false); ok {
					times = append(times, now)
				}
			}
		}
		if got := maxInAnyWindow(times, size); got > int(2*limit) {
			t.Fatalf("limit %d: %d requests in one window's stretch", limit, got)
		}
	}
}
