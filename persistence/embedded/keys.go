package embedded

import (
	"bytes"
	"encoding/binary"
	"time"
)

// sep joins the parts of a composite key. Ids, kinds and states never contain NUL, so a
// prefix ending in sep selects exactly one group (one tenant, one kind) and never a longer
// name that merely starts the same way.
const sep = 0

// compose joins parts with sep.
func compose(parts ...[]byte) []byte {
	return bytes.Join(parts, []byte{sep})
}

// prefix is compose(parts...) plus a trailing sep: the start of every key in that group.
func prefix(parts ...string) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
		b = append(b, sep)
	}
	return b
}

// timeKey encodes t so that byte order is time order: seconds since the epoch with the sign
// bit flipped (so years before 1970, and the zero time, sort first), then nanoseconds.
func timeKey(t time.Time) []byte {
	var b [12]byte
	binary.BigEndian.PutUint64(b[:8], uint64(t.Unix())^(1<<63))
	binary.BigEndian.PutUint32(b[8:], uint32(t.Nanosecond()))
	return b[:]
}

// orderKey sorts by creation time, then id, the order listings promise ("oldest first").
func orderKey(createdAt time.Time, id string) []byte {
	return append(timeKey(createdAt), id...)
}

// orderKeyID recovers the id from an orderKey (or a key ending in one).
func orderKeyID(k []byte) string {
	return string(k[12:])
}

// seqKey encodes a bucket sequence number in byte order (sign bit flipped like timeKey).
func seqKey(seq int) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(int64(seq))^(1<<63))
	return b[:]
}

func snapshotKey(kind, identity string) []byte {
	return compose([]byte(kind), []byte(identity))
}

func bucketKey(conversation string, seq int) []byte {
	return append(prefix(conversation), seqKey(seq)...)
}
