package embedded

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	json "github.com/goccy/go-json"

	"github.com/switchboard/switchboard/persistence"
)

// Snapshots and buckets carry opaque Data (JSON the actors wrote). Stored as a JSON field it
// would be base64-encoded — a third bigger and encoded on every flush — so these values are
// framed instead: uvarint length of a small JSON header, the header, then Data verbatim.
// Reading the version for fencing decodes the header only.

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

func frame(header any, data []byte) ([]byte, error) {
	h, err := json.Marshal(header)
	if err != nil {
		return nil, fmt.Errorf("encode header: %w", err)
	}
	out := make([]byte, 0, binary.MaxVarintLen64+len(h)+len(data))
	out = binary.AppendUvarint(out, uint64(len(h)))
	out = append(out, h...)
	return append(out, data...), nil
}

var errBadFrame = errors.New("malformed framed value")

// unframe decodes the header into h and returns a copy of the data (bbolt's bytes are only
// valid inside the transaction).
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

func encodeSnapshot(s persistence.Snapshot) ([]byte, error) {
	return frame(snapshotHeader{s.Kind, s.Identity, s.Version, s.Epoch, s.UpdatedAt.UTC()}, s.Data)
}

func decodeSnapshot(v []byte) (persistence.Snapshot, error) {
	var h snapshotHeader
	data, err := unframe(v, &h, true)
	if err != nil {
		return persistence.Snapshot{}, err
	}
	return persistence.Snapshot{Kind: h.Kind, Identity: h.Identity, Version: h.Version, Epoch: h.Epoch, Data: data, UpdatedAt: h.UpdatedAt}, nil
}

func encodeBucket(b persistence.Bucket) ([]byte, error) {
	return frame(bucketHeader{b.Conversation, b.Seq, b.Count, b.UpdatedAt.UTC()}, b.Data)
}

func decodeBucket(v []byte) (persistence.Bucket, error) {
	var h bucketHeader
	data, err := unframe(v, &h, true)
	if err != nil {
		return persistence.Bucket{}, err
	}
	return persistence.Bucket{Conversation: h.Conversation, Seq: h.Seq, Count: h.Count, Data: data, UpdatedAt: h.UpdatedAt}, nil
}

// storedVersion reads only the version of a stored snapshot.
func storedVersion(v []byte) (uint64, error) {
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
func encodeInboxEntry(e persistence.InboxEntry) ([]byte, error) {
	return frame(inboxHeader{e.ID, e.ReceivedAt.UTC()}, e.Body)
}

func decodeInboxEntry(v []byte) (persistence.InboxEntry, error) {
	var h inboxHeader
	body, err := unframe(v, &h, true)
	if err != nil {
		return persistence.InboxEntry{}, err
	}
	return persistence.InboxEntry{ID: h.ID, ReceivedAt: h.ReceivedAt, Body: body}, nil
}
