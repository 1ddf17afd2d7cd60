package actors

import (
	"testing"
	"time"
)

func TestPairBucket(t *testing.T) {
	const every, burst = 6 * time.Second, 3
	var b pairBucket
	now := t0
	for i := range burst {
		if !b.take(now, every, burst) {
			t.Fatalf("message %d of the burst refused", i)
		}
	}
	if b.take(now, every, burst) {
		t.Fatal("a message beyond the burst was allowed")
	}
	if got := b.readyAt(now, every, burst); !got.Equal(now.Add(every)) {
		t.Fatalf("next message at +%s, want +%s", got.Sub(now), every)
	}
	now = now.Add(every)
	if !b.take(now, every, burst) || b.take(now, every, burst) {
		t.Fatal("one message per interval after the burst")
	}
	if b.idle(now, every, burst) || !b.idle(now.Add(burst*every), every, burst) {
		t.Fatal("idle: only once the bucket refilled")
	}
}

func TestPairBucketRefusalsWaitFourToTheX(t *testing.T) {
	var b pairBucket
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
