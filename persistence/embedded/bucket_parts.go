package embedded

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/switchboard/switchboard/persistence"
)

// A message bucket given in parts (persistence.Bucket.Parts) is kept in parts: under the
// bucket's key a small header (splitBucket, then the conversation, seq, count and update time
// in binframe's encoding), and each message under the bucket's key plus its index (two bytes,
// big-endian), so the parts of a bucket sort together and before the next bucket. A flush then
// writes the header and the messages it changed — for a busy conversation one message, where
// the whole bucket (up to 16 messages, 2–5 KB) used to be copied, journaled and paged.
// Buckets written whole (Data; and every bucket stored before parts) keep a framed value under
// the key and still read; a bucket written in parts over a whole one is written in full once.

// splitBucket marks a header of a bucket kept in parts. No framed value starts with it: a
// binary frame starts with binaryFrame, a JSON frame with its header's length (never 1).
const splitBucket byte = 0x01

// bucketWrite is one bucket ready to store.
type bucketWrite struct {
	key     []byte
	whole   []byte   // the framed bucket, when written whole
	head    []byte   // the split header, when written in parts
	parts   [][]byte // every part, by index
	changed []int    // the parts to write when the stored bucket is already in parts
}

func prepareBucket(b persistence.Bucket) bucketWrite {
	w := bucketWrite{key: bucketKey(b.Conversation, b.Seq)}
	if b.Parts == nil {
		w.whole = encodeBucket(b)
		return w
	}
	h := newBinHeader(splitBucket, 32+len(b.Conversation))
	h.str(b.Conversation)
	h.int(int64(b.Seq))
	h.int(int64(len(b.Parts)))
	h.time(b.UpdatedAt.UTC())
	w.head, w.parts, w.changed = h.b, b.Parts, b.Changed
	return w
}

func partKey(bucket []byte, i int) []byte {
	return binary.BigEndian.AppendUint16(append(make([]byte, 0, len(bucket)+2), bucket...), uint16(i))
}

// splitCount is the number of parts a stored split header counts; ok false for a whole value.
func splitCount(v []byte) (int, bool) {
	if len(v) == 0 || v[0] != splitBucket {
		return 0, false
	}
	r := &binReader{b: v[1:]}
	r.bytes() // conversation
	r.int()   // seq
	n := r.int()
	return int(n), r.err == nil
}

// apply writes w into the buckets bucket.
func (w bucketWrite) apply(b bkt) error {
	stored, split := splitCount(b.Get(w.key))
	if w.whole != nil {
		if err := deleteParts(b, w.key, 0, stored); err != nil {
			return err
		}
		return b.Put(w.key, w.whole)
	}
	if err := b.Put(w.key, w.head); err != nil {
		return err
	}
	if !split { // nothing stored, or a whole bucket: every part is new here
		for i, p := range w.parts {
			if err := b.Put(partKey(w.key, i), p); err != nil {
				return err
			}
		}
		return nil
	}
	for _, i := range w.changed {
		if i < 0 || i >= len(w.parts) {
			return fmt.Errorf("bucket %q: changed part %d of %d", w.key, i, len(w.parts))
		}
		if err := b.Put(partKey(w.key, i), w.parts[i]); err != nil {
			return err
		}
	}
	return deleteParts(b, w.key, len(w.parts), stored) // a bucket cut back (actors trim what a crash left beyond a snapshot)
}

// deleteParts removes parts [from, to) of a bucket.
func deleteParts(b bkt, bucket []byte, from, to int) error {
	for i := from; i < to; i++ {
		if err := b.Delete(partKey(bucket, i)); err != nil {
			return err
		}
	}
	return nil
}

// readBucket reads a stored bucket, whole or in parts, as its Data.
func readBucket(b bkt, key []byte) (persistence.Bucket, bool, error) {
	v := b.Get(key)
	if v == nil {
		return persistence.Bucket{}, false, nil
	}
	if len(v) == 0 || v[0] != splitBucket {
		bk, err := decodeBucket(v)
		return bk, true, err
	}
	r := &binReader{b: v[1:]}
	out := persistence.Bucket{Conversation: r.str(), Seq: int(r.int()), Count: int(r.int()), UpdatedAt: r.time()}
	if r.err != nil {
		return out, true, r.err
	}
	parts := make([][]byte, 0, out.Count)
	c := b.Cursor()
	for k, p := c.Seek(partKey(key, 0)); len(parts) < out.Count; k, p = c.Next() {
		if k == nil || len(k) != len(key)+2 || !bytes.HasPrefix(k, key) || int(binary.BigEndian.Uint16(k[len(key):])) != len(parts) {
			return out, true, fmt.Errorf("bucket %q: part %d of %d missing", key, len(parts), out.Count)
		}
		parts = append(parts, p)
	}
	out.Data = persistence.JoinParts(parts) // copies: bbolt's bytes do not outlive the read
	return out, true, nil
}
