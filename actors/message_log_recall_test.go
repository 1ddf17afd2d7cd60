package actors

import (
	"fmt"
	"strconv"
	"testing"
	"time"
)

// recall (Deliver.Since) indexes the messages stored since a time that the index no longer
// names, newest first: it stops at the first older message, reads at most
// lookupWindow/BucketSize stored buckets, and reads nothing again for a later time.
func TestRecallIndexesWhatWasStoredSince(t *testing.T) {
	const count = 3000
	// The activation indexes whole buckets: the last one holds 8, the index 120 messages.
	const warmFrom = ((count-1)/BucketSize - activationBuckets + 1) * BucketSize // 2,880
	base := time.Unix(1767225600, 0).UTC()
	createdAt := func(pos int) time.Time { return base.Add(time.Duration(pos) * time.Millisecond) }
	for _, tc := range []struct {
		name      string
		since     int // position of the first message created at or after since
		indexed   []int
		unindexed []int
		reads     int
	}{
		{"a few buckets back", count - 300, []int{count - 300, warmFrom - 1}, []int{count - 301}, 12},
		{"bounded", 0, []int{warmFrom - 64*BucketSize}, []int{warmFrom - 64*BucketSize - 1, 0}, 64},
		{"within the index", count - 10, nil, []int{warmFrom - 1}, 0},
	} {
		// Read one bucket at a time, or (as the grain reads) activationBuckets at a time: the
		// same messages indexed, in a read per range, never past the bound.
		for _, ranges := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s, in ranges %v", tc.name, ranges), func(t *testing.T) {
				reads, calls, fetched := 0, 0, 0
				stored := func(seq int) []Message {
					var b []Message
					for pos := seq * BucketSize; pos < min(count, (seq+1)*BucketSize); pos++ {
						b = append(b, Message{WAMID: "w" + strconv.Itoa(pos), CreatedAt: createdAt(pos)})
					}
					return b
				}
				l := newMessageLog(count, func(seq int) ([]Message, error) {
					reads++
					return stored(seq), nil
				})
				if ranges {
					l.loadMany = func(from, to int) (map[int][]Message, error) {
						calls++
						out := map[int][]Message{}
						for seq := from; seq < to; seq++ {
							out[seq] = stored(seq)
							fetched++
						}
						return out, nil
					}
				}
				if err := l.warm(); err != nil {
					t.Fatal(err)
				}
				reads, calls, fetched = 0, 0, 0
				since := createdAt(tc.since)
				if err := l.recall(since); err != nil {
					t.Fatal(err)
				}
				wantCalls := (tc.reads + activationBuckets - 1) / activationBuckets
				switch {
				case !ranges && reads != tc.reads:
					t.Fatalf("%d buckets read, want %d", reads, tc.reads)
				case ranges && (reads != 0 || calls != wantCalls || fetched > lookupWindow/BucketSize):
					t.Fatalf("%d buckets read one by one and %d in %d ranges; want none, and %d ranges of at most %d buckets in all",
						reads, fetched, calls, wantCalls, lookupWindow/BucketSize)
				}
				for _, pos := range tc.indexed {
					if got, ok := l.lookup("w" + strconv.Itoa(pos)); !ok || got != pos {
						t.Fatalf("message %d not indexed (%d, %v)", pos, got, ok)
					}
				}
				for _, pos := range tc.unindexed {
					if _, ok := l.lookup("w" + strconv.Itoa(pos)); ok {
						t.Fatalf("message %d indexed: recall went past its bound", pos)
					}
				}
				reads, calls = 0, 0
				if err := l.recall(since.Add(time.Second)); err != nil || reads+calls != 0 {
					t.Fatalf("a later recall read %d buckets (%v), want none", reads+calls, err)
				}
			})
		}
	}
}

// A hot conversation redelivered a run of entries that may repeat (a crashed peer's, swept; a
// backlog replayed after a crash): each recall indexed up to 1,024 older messages on top of a
// full index, so the next message stored trimmed the index and forgot the recall, and every
// redelivery after it read 64 stored buckets again. A recall now lasts while the conversation
// stores its next indexWindow messages.
func TestRecallLastsAcrossARunOfRedeliveries(t *testing.T) {
	base := time.Unix(1767225600, 0).UTC()
	createdAt := func(pos int) time.Time { return base.Add(time.Duration(pos) * time.Millisecond) }
	msg := func(pos int) Message { return Message{WAMID: "w" + strconv.Itoa(pos), CreatedAt: createdAt(pos)} }
	reads := 0
	var l *messageLog
	l = newMessageLog(3000, func(seq int) ([]Message, error) {
		reads++
		var b []Message
		for pos := seq * BucketSize; pos < min(l.count, (seq+1)*BucketSize); pos++ {
			b = append(b, msg(pos))
		}
		return b, nil
	})
	if err := l.warm(); err != nil {
		t.Fatal(err)
	}
	// Live: its index fills and is trimmed, and each flush lets clean buckets leave memory.
	add := func() {
		l.append(msg(l.count))
		if _, err := l.takeDirty(); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 * indexWindow {
		add()
	}
	// More was stored since these entries arrived than the index and one recall hold.
	since := createdAt(l.count - 3*indexWindow)
	reads = 0
	const redeliveries = 200
	for i := range redeliveries {
		if err := l.recall(since); err != nil {
			t.Fatal(err)
		}
		if _, dup := l.lookup("w" + strconv.Itoa(l.count-indexWindow-lookupWindow/2)); !dup {
			t.Fatalf("redelivery %d: a message stored since its arrival is not indexed", i)
		}
		add()
	}
	if max := lookupWindow / BucketSize; reads > max {
		t.Fatalf("%d redeliveries read %d stored buckets, want at most %d (one recall)", redeliveries, reads, max)
	}
	if len(l.index) > maxRecallIndex {
		t.Fatalf("the index holds %d wamids, more than %d", len(l.index), maxRecallIndex)
	}
}
