package actors

import (
	"testing"
	"time"
)

// The engine paces each customer as Meta counts (internal/pairlimit): a burst is borrowed,
// so after it the customer waits until every message's interval is paid, and half a second
// more (the margin for jitter on the way to Meta, a twelfth of the interval); 131056 adds
// 4^X s; a message given back is forgiven its interval; a paid, unrefused bucket is idle.
func TestPairBucket(t *testing.T) {
	const every, burst = 6 * time.Second, 45
	s, ms := time.Second, time.Millisecond
	type op struct {
		at   time.Duration // offset from t0 of this step
		do   string        // take N times ("take"), "refuse", "giveBack"
		n    int
		want bool          // take: whether the last goes
		next time.Duration // readyAt afterwards, as an offset
		idle bool
	}
	cases := []struct {
		name string
		ops  []op
	}{
		{"steady one per interval and the margin", []op{
			{0, "take", 1, true, 0, false}, {6500 * ms, "take", 1, true, 6500 * ms, false}, {13 * s, "take", 1, true, 13 * s, false}}},
		{"exactly one interval later is within the margin: held", []op{
			{0, "take", 1, true, 0, false}, {6 * s, "take", 1, false, 6500 * ms, false}}},
		{"the burst window closes the margin early", []op{
			{0, "take", 1, true, 0, false}, {5400 * ms, "take", 1, true, 5400 * ms, false}, {5600 * ms, "take", 1, false, 12500 * ms, false}}},
		{"burst of 20 then ~2 min", []op{
			{0, "take", 20, true, 0, false}, {7 * s, "take", 1, false, 120500 * ms, false}, {120500 * ms, "take", 1, true, 120500 * ms, false}}},
		{"idle once the debt is paid", []op{
			{0, "take", 3, true, 0, false}, {17 * s, "take", 0, false, 18500 * ms, false}, {18500 * ms, "take", 0, false, 18500 * ms, true}}},
		{"131056 waits 4^X s and closes the burst window", []op{
			{0, "take", 1, true, 0, false}, {s, "refuse", 0, false, 2 * s, false}, {2 * s, "refuse", 0, false, 6 * s, false},
			{6500 * ms, "take", 1, true, 6500 * ms, false}}},
		{"a message given back is forgiven", []op{
			{0, "take", 2, true, 0, false}, {s, "giveBack", 0, false, s, false}, {7 * s, "take", 0, false, 7 * s, true}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := newPairBucket(every)
			for i, o := range tc.ops {
				now := t0.Add(o.at)
				var ok bool
				switch o.do {
				case "take":
					for range o.n {
						ok = b.take(now, every, burst)
					}
					if o.n > 0 && ok != o.want {
						t.Fatalf("op %d: take %v, want %v", i, ok, o.want)
					}
				case "refuse":
					b.refused(now, nil)
				case "giveBack":
					b.giveBack(every)
				}
				if got := b.readyAt(now, every, burst).Sub(t0); got != o.next {
					t.Fatalf("op %d: ready at +%s, want +%s", i, got, o.next)
				}
				if b.idle(now) != o.idle {
					t.Fatalf("op %d: idle %v, want %v", i, !o.idle, o.idle)
				}
			}
		})
	}
}

func TestPairBucketRefusalsWaitFourToTheX(t *testing.T) {
	b := newPairBucket(time.Second)
	now := t0
	want := []time.Duration{time.Second, 4 * time.Second, 16 * time.Second, 64 * time.Second, 256 * time.Second, 1024 * time.Second, 1024 * time.Second}
	for i, w := range want {
		if got := b.refused(now, nil); got != w {
			t.Fatalf("refusal %d: wait %s, want %s", i, got, w)
		}
		if got := b.readyAt(now, time.Second, 45); !got.Equal(now.Add(w)) {
			t.Fatalf("refusal %d: ready at +%s", i, got.Sub(now))
		}
	}
	b.accepted()
	if got := b.refused(now, func(int) time.Duration { return 7 * time.Second }); got != 7*time.Second {
		t.Fatalf("Meta's suggested wait ignored: %s", got)
	}
}

// The margin is a twelfth of the interval, at least 250 ms, but never more than the interval.
func TestPairMargin(t *testing.T) {
	for _, c := range []struct{ every, want time.Duration }{
		{6 * time.Second, 500 * time.Millisecond},
		{time.Second, 250 * time.Millisecond},
		{200 * time.Millisecond, 200 * time.Millisecond},
		{10 * time.Millisecond, 10 * time.Millisecond},
	} {
		if got := pairMargin(c.every); got != c.want {
			t.Errorf("interval %s: margin %s, want %s", c.every, got, c.want)
		}
	}
}
