package embedded

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	json "github.com/goccy/go-json"

	"github.com/switchboard/switchboard/persistence"
)

// Snapshots, buckets and inbox entries carry opaque data (JSON the actors wrote, a webhook's
// body). Stored as a JSON field it would be base64-encoded — a third bigger and encoded on
// every flush — so these values are framed instead: a small header, then the data verbatim.
// The header is binary (binaryFrame, then binframe.go's fields); values written before were
// framed with a JSON header (uvarint length, JSON) and still decode. Reading the version for
// fencing decodes the header only.

type snapshotHeader struct {
	Kind      string    `json:"kind"`
	Identity  string    `json:"identity"`
	Version   uint64    `json:"version"`
	Epoch     uint64    `json:"epoch"`
	UpdatedAt time.Time `json:"updatedAt"`
}

type bucketHeader struct {
	Conversation string    `json:"conversation"`
	Seq          int       `json:"seq"`
	Count        int       `json:"count"`
	UpdatedAt    time.Time `json:"updatedAt"`
}

// binaryFrame marks a value whose header is binary (binframe.go). A JSON-framed value starts
// with the uvarint length of a header that is never empty, so never with this byte.
const binaryFrame byte = 0x00

var errBadFrame = errors.New("malformed framed value")

// unframe decodes a JSON-framed value's header into h and returns a copy of the data
// (bbolt's bytes are only valid inside the transaction). Values written before binary
// headers are read this way.
func unframe(v []byte, h any, wantData bool) ([]byte, error) {
	n, k := binary.Uvarint(v)
	if k <= 0 || uint64(len(v)-k) < n {
		return nil, errBadFrame
	}
	if err := json.Unmarshal(v[k:k+int(n)], h); err != nil {
		return nil, fmt.Errorf("decode header: %w", err)
	}
	if !wantData {
		return nil, nil
	}
	return append([]byte(nil), v[k+int(n):]...), nil
}

// binaryFramed reports whether v has a binary header, and returns a reader of it.
func binaryFramed(v []byte) (*binReader, bool) {
	if len(v) == 0 || v[0] != binaryFrame {
		return nil, false
	}
	return &binReader{b: v[1:]}, true
}

// dataOf copies what follows a binary header, or reports the header malformed.
func dataOf(r *binReader, wantData bool) ([]byte, error) {
	if r.err != nil {
		return nil, r.err
	}
	if !wantData {
		return nil, nil
	}
	return append([]byte(nil), r.rest()...), nil
}

func encodeSnapshot(s persistence.Snapshot) []byte {
	h := newBinHeader(binaryFrame, 64+len(s.Kind)+len(s.Identity)+len(s.Data))
	h.str(s.Kind)
	h.str(s.Identity)
	h.uint(s.Version)
	h.uint(s.Epoch)
	h.time(s.UpdatedAt.UTC())
	return append(h.b, s.Data...)
}

func decodeSnapshot(v []byte) (persistence.Snapshot, error) {
	if r, ok := binaryFramed(v); ok {
		s := persistence.Snapshot{Kind: r.str(), Identity: r.str(), Version: r.uint(), Epoch: r.uint(), UpdatedAt: r.time()}
		var err error
		s.Data, err = dataOf(r, true)
		return s, err
	}
	var h snapshotHeader
	data, err := unframe(v, &h, true)
	if err != nil {
		return persistence.Snapshot{}, err
	}
	return persistence.Snapshot{Kind: h.Kind, Identity: h.Identity, Version: h.Version, Epoch: h.Epoch, Data: data, UpdatedAt: h.UpdatedAt}, nil
}

func encodeBucket(b persistence.Bucket) []byte {
	h := newBinHeader(binaryFrame, 48+len(b.Conversation)+len(b.Data))
	h.str(b.Conversation)
	h.int(int64(b.Seq))
	h.int(int64(b.Count))
	h.time(b.UpdatedAt.UTC())
	return append(h.b, b.Data...)
}

func decodeBucket(v []byte) (persistence.Bucket, error) {
	if r, ok := binaryFramed(v); ok {
		b := persistence.Bucket{Conversation: r.str(), Seq: int(r.int()), Count: int(r.int()), UpdatedAt: r.time()}
		var err error
		b.Data, err = dataOf(r, true)
		return b, err
	}
	var h bucketHeader
	data, err := unframe(v, &h, true)
	if err != nil {
		return persistence.Bucket{}, err
	}
	return persistence.Bucket{Conversation: h.Conversation, Seq: h.Seq, Count: h.Count, Data: data, UpdatedAt: h.UpdatedAt}, nil
}

// storedVersion reads only the version of a stored snapshot.
func storedVersion(v []byte) (uint64, error) {
	if r, ok := binaryFramed(v); ok {
		r.bytes() // kind
		r.bytes() // identity
		version := r.uint()
		return version, r.err
	}
	var h snapshotHeader
	_, err := unframe(v, &h, false)
	return h.Version, err
}

type inboxHeader struct {
	ID         string    `json:"id"`
	ReceivedAt time.Time `json:"receivedAt"`
}

// Inbox entries keep the webhook body verbatim after the header. Processed is not stored:
// the pending index says it.
func encodeInboxEntry(e persistence.InboxEntry) []byte {
	h := newBinHeader(binaryFrame, 32+len(e.ID)+len(e.Body))
	h.str(e.ID)
	h.time(e.ReceivedAt.UTC())
	return append(h.b, e.Body...)
}

// decodeInboxEntry decodes an entry; wantBody false reads the header only (a prune).
func decodeInboxEntry(v []byte, wantBody bool) (persistence.InboxEntry, error) {
	if r, ok := binaryFramed(v); ok {
		e := persistence.InboxEntry{ID: r.str(), ReceivedAt: r.time()}
		var err error
		e.Body, err = dataOf(r, wantBody)
		return e, err
	}
	var h inboxHeader
	body, err := unframe(v, &h, wantBody)
	if err != nil {
		return persistence.InboxEntry{}, err
	}
	return persistence.InboxEntry{ID: h.ID, ReceivedAt: h.ReceivedAt, Body: body}, nil
}
