package embedded

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// The decoders below read what is on disk. A file damaged outside the process (a bad disk,
// a copy cut short) must make them answer an error, never panic: a panic at Open would keep
// the node from starting at all, and one at a read would crash it on the first request that
// touches the value. The seeds are valid encodings; `go test -fuzz` mutates them.

func FuzzDecodeStoredValues(f *testing.F) {
	at := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	f.Add(encodeOutbox(persistence.OutboxMessage{ID: "m1", TenantID: "t1", ConversationID: "t1_5511", PhoneNumberID: "109881335267193",
		Recipient: "5511", State: persistence.OutboxQueued, Request: []byte(`{"messaging_product":"whatsapp"}`), CreatedAt: at, NextAttemptAt: at}))
	f.Add(encodeSnapshot(persistence.Snapshot{Kind: "conversation", Identity: "t1_5511", Version: 3, Epoch: 2, UpdatedAt: at, Data: []byte(`{"a":1}`)}))
	f.Add(encodeBucket(persistence.Bucket{Conversation: "t1_5511", Seq: 4, Count: 2, UpdatedAt: at, Data: []byte(`[{"id":"x"}]`)}))
	f.Add(encodeInboxEntry(persistence.InboxEntry{ID: "i1", ReceivedAt: at, Body: []byte(`{"object":"whatsapp_business_account"}`)}))
	f.Add([]byte{0x05, '{', '"', 'a', '"', '}'})
	f.Fuzz(func(t *testing.T, v []byte) {
		// Each decoder answers a value or an error; the test passes if none panics.
		_, _ = decodeOutbox(v, true)
		_, _ = decodeOutbox(v, false)
		_, _ = decodeSnapshot(v)
		_, _ = decodeBucket(v)
		_, _ = storedVersion(v)
		_, _ = decodeInboxEntry(v, true)
		_, _ = splitCount(v)
	})
}

// FuzzJournalReplay replays any file as a journal: it stops at the first record that is torn
// or of another generation, and a record that passed its CRC but holds malformed entries is
// an error: it never panics, and never applies an op it does not know.
func FuzzJournalReplay(f *testing.F) {
	var one []byte
	one = appendEntry(one, opPut, "outbox", []byte("m1"), []byte("v1"))
	one = appendEntry(one, opDelete, "outbox", []byte("m0"), nil)
	dir := f.TempDir()
	j, err := openJournal(filepath.Join(dir, "seed"))
	if err != nil {
		f.Fatal(err)
	}
	if err := j.append(7, one); err != nil {
		f.Fatal(err)
	}
	if err := j.append(7, appendEntry(nil, opPut, "inbox", []byte("i1"), bytes.Repeat([]byte("b"), 40))); err != nil {
		f.Fatal(err)
	}
	_ = j.close()
	seed, err := os.ReadFile(filepath.Join(dir, "seed"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add(seed[:len(seed)-3]) // torn tail
	f.Fuzz(func(t *testing.T, file []byte) {
		path := filepath.Join(t.TempDir(), "journal")
		if err := os.WriteFile(path, file, 0o600); err != nil {
			t.Fatal(err)
		}
		j, err := openJournal(path)
		if err != nil {
			t.Fatal(err)
		}
		defer j.close()
		_, _ = j.replay(7, func(op byte, _ string, _, value []byte) error {
			if (op == opPut) != (value != nil) || (op != opPut && op != opDelete) {
				t.Fatalf("replay applied op %d with value %q", op, value)
			}
			return nil
		})
	})
}
