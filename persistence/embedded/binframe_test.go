package embedded

import (
	"encoding/binary"
	"reflect"
	"testing"
	"time"

	json "github.com/goccy/go-json"

	"github.com/switchboard/switchboard/persistence"
)

// Every field of OutboxMessage survives the binary codec: each is set to a value of its own
// (by reflection, so a field added later is covered without touching this test) and must
// come back equal. A field the codec does not know fails here, not silently in production.
func TestOutboxCodecKeepsEveryField(t *testing.T) {
	var m persistence.OutboxMessage
	v := reflect.ValueOf(&m).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		switch f.Interface().(type) {
		case string, persistence.OutboxState:
			f.SetString("field-" + v.Type().Field(i).Name)
		case int:
			f.SetInt(int64(1000 + i))
		case []byte:
			f.SetBytes([]byte(`{"messaging_product":"whatsapp"}`))
		case time.Time:
			f.Set(reflect.ValueOf(time.Date(2026, 12, 6, 4, 5, i, 123456789, time.UTC)))
		case []string:
			f.Set(reflect.ValueOf([]string{"wamid.first-" + v.Type().Field(i).Name, "wamid.second"}))
		default:
			t.Fatalf("OutboxMessage.%s is a %s: teach this test and the codec", v.Type().Field(i).Name, f.Type())
		}
	}
	got, err := decodeOutbox(encodeOutbox(m), true)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Fatalf("round trip\n got %+v\nwant %+v", got, m)
	}
	// A zero time stays zero (NextAttemptAt of a row never retried); a row with nothing
	// retracted keeps the shorter header.
	m.NextAttemptAt, m.Retracted, m.Transient, m.ErrorDetails, m.Claim, m.ErrorReason = time.Time{}, nil, 0, "", "", ""
	if v := encodeOutbox(m); v[0] != outboxExpiring {
		t.Fatalf("a row with nothing retracted is written with marker %#x", v[0])
	}
	if got, err := decodeOutbox(encodeOutbox(m), false); err != nil || !got.NextAttemptAt.IsZero() || got.Request != nil || got.Retracted != nil {
		t.Fatalf("zero time or header-only read: %+v, %v", got, err)
	}
	// A row written by a development build with the retracted wamids alone still decodes.
	dev := retractingHeader()
	dev.uint(1)
	dev.str("wamid.A")
	if got, err := decodeOutbox(append(dev.b, "{}"...), true); err != nil || !reflect.DeepEqual(got.Retracted, []string{"wamid.A"}) || string(got.Request) != "{}" {
		t.Fatalf("a development row: %+v, %v", got, err)
	}
	// A corrupt count of retracted wamids is an error, not a huge allocation.
	bad := retractingHeader()
	bad.uint(1 << 40)
	if _, err := decodeOutbox(bad.b, false); err == nil {
		t.Fatal("a header claiming 2^40 retracted wamids decoded")
	}
}

// retractingHeader is an outboxRetracting header up to its count of retracted wamids.
func retractingHeader() binHeader {
	h := newBinHeader(outboxRetracting, 64)
	for _, f := range []string{"m1", "t1", "c1", "p1", "+55", "queued", ""} {
		h.str(f)
	}
	h.int(0)
	h.time(time.Time{})
	h.int(0)
	h.str("")
	for range 3 {
		h.time(time.Time{})
	}
	return h
}

// A row whose binary header was written before ExpiresAt existed (outboxBinary: the same
// fields, ending with UpdatedAt) decodes with no expiry.
func TestOutboxHeaderWithoutExpiryDecodes(t *testing.T) {
	at := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	m := persistence.OutboxMessage{ID: "m1", TenantID: "t1", ConversationID: "t1_551199", PhoneNumberID: "p1",
		Recipient: "+551199", State: persistence.OutboxQueued, Attempts: 2, NextAttemptAt: at, ErrorCode: 131000,
		ErrorTitle: "Something went wrong", CreatedAt: at, UpdatedAt: at, Request: []byte(`{"messaging_product":"whatsapp"}`)}
	h := newBinHeader(outboxBinary, 200)
	for _, s := range []string{m.ID, m.TenantID, m.ConversationID, m.PhoneNumberID, m.Recipient, string(m.State), m.WAMID} {
		h.str(s)
	}
	h.int(int64(m.Attempts))
	h.time(m.NextAttemptAt)
	h.int(int64(m.ErrorCode))
	h.str(m.ErrorTitle)
	h.time(m.CreatedAt)
	h.time(m.UpdatedAt)
	got, err := decodeOutbox(append(h.b, m.Request...), true)
	if err != nil || !reflect.DeepEqual(got, m) {
		t.Fatalf("old header: %+v, %v\nwant %+v", got, err, m)
	}
}

// jsonFramed frames the way values were written before binary headers.
func jsonFramed(t *testing.T, header any, data []byte) []byte {
	t.Helper()
	h, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	return append(append(binary.AppendUvarint(nil, uint64(len(h))), h...), data...)
}

// Snapshots, buckets and inbox entries round-trip through binary headers, and values framed
// with JSON headers before still decode, version checks included.
func TestFramedValuesOldAndNew(t *testing.T) {
	at := time.Date(2026, 12, 6, 4, 5, 6, 7, time.UTC)
	snap := persistence.Snapshot{Kind: "conversation", Identity: "t/1", Version: 42, Epoch: 3, Data: []byte(`{"a":1}`), UpdatedAt: at}
	b := persistence.Bucket{Conversation: "t/1", Seq: 2, Count: 16, Data: []byte(`[{}]`), UpdatedAt: at}
	e := persistence.InboxEntry{ID: "e1", Body: []byte(`{"object":"whatsapp_business_account"}`), ReceivedAt: at}
	oldSnap := jsonFramed(t, snapshotHeader{snap.Kind, snap.Identity, snap.Version, snap.Epoch, at}, snap.Data)
	oldBucket := jsonFramed(t, bucketHeader{b.Conversation, b.Seq, b.Count, at}, b.Data)
	oldEntry := jsonFramed(t, inboxHeader{e.ID, at}, e.Body)
	for name, v := range map[string][]byte{"binary": encodeSnapshot(snap), "json": oldSnap} {
		got, err := decodeSnapshot(v)
		if err != nil || !reflect.DeepEqual(got, snap) {
			t.Errorf("%s snapshot: %+v, %v", name, got, err)
		}
		if ver, err := storedVersion(v); err != nil || ver != 42 {
			t.Errorf("%s snapshot version: %d, %v", name, ver, err)
		}
	}
	for name, v := range map[string][]byte{"binary": encodeBucket(b), "json": oldBucket} {
		if got, err := decodeBucket(v); err != nil || !reflect.DeepEqual(got, b) {
			t.Errorf("%s bucket: %+v, %v", name, got, err)
		}
	}
	for name, v := range map[string][]byte{"binary": encodeInboxEntry(e), "json": oldEntry} {
		if got, err := decodeInboxEntry(v, true); err != nil || !reflect.DeepEqual(got, e) {
			t.Errorf("%s inbox entry: %+v, %v", name, got, err)
		}
	}
	// A truncated binary header is an error, never a half-read value.
	if _, err := decodeSnapshot(encodeSnapshot(snap)[:6]); err == nil {
		t.Error("truncated snapshot decoded")
	}
}
