package embedded

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// The journal is a file's write-ahead log. A commit appends the writes of its group — every
// put and delete, with its bucket, key and value — as one record and fdatasyncs it; that is
// what acknowledgements wait for. bbolt itself commits only at checkpoints (committer), so a
// page that many commits dirty is written once per checkpoint instead of once per commit,
// and a commit costs one small sequential write and one fdatasync instead of bbolt's page
// writes and two. After a crash, Open replays the journal's records into bbolt.
//
// Record: generation (8 bytes), payload length (4), CRC-32C of generation and payload (4),
// payload. Payload: entries, each an op byte (put or delete), then the bucket name, the key
// and, for a put, the value, each preceded by its uvarint length.
//
// Generations make replay exact without truncating or syncing the file at a checkpoint. A
// checkpoint stores generation g+1 in bbolt in the same commit as the pages, and the journal
// then writes again from offset 0 under g+1. Replay applies records of the stored generation
// in order and stops at the first record that is torn (bad CRC or length) or of another
// generation: whatever follows the current run is older, already in bbolt, and must not be
// applied over newer values.

const (
	journalHeader = 16
	opPut         = 1
	opDelete      = 2
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// journal is one file's log; only its committer uses it.
type journal struct {
	f    *os.File
	off  int64               // where the next record goes
	head [journalHeader]byte // the header of the record being written
}

func openJournal(path string) (*journal, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("embedded: open journal %s: %w", path, err)
	}
	return &journal{f: f}, nil
}

// append writes one record of gen holding entries, and returns once it is on disk. The
// header and the entries are written where they are, not copied into one buffer first: a
// group can be large (hundreds of webhooks of up to 3 MiB), and a copy doubled what it held.
func (j *journal) append(gen uint64, entries []byte) error {
	h := j.head[:]
	binary.BigEndian.PutUint64(h[0:8], gen)
	binary.BigEndian.PutUint32(h[8:12], uint32(len(entries)))
	binary.BigEndian.PutUint32(h[12:16], crc32.Update(crc32.Checksum(h[0:8], castagnoli), castagnoli, entries))
	if _, err := j.f.WriteAt(h, j.off); err != nil {
		return fmt.Errorf("journal write: %w", err)
	}
	if _, err := j.f.WriteAt(entries, j.off+journalHeader); err != nil {
		return fmt.Errorf("journal write: %w", err)
	}
	if err := unix.Fdatasync(int(j.f.Fd())); err != nil {
		return fmt.Errorf("journal sync: %w", err)
	}
	j.off += journalHeader + int64(len(entries))
	return nil
}

// rewind starts the next generation's records at the beginning of the file, over the old
// ones: writing into blocks the file already has spares fdatasync a metadata update. A file
// grown past max (a long stretch between checkpoints) is cut back, best effort: a file that
// keeps its size costs space, nothing else.
func (j *journal) rewind(max int64) {
	j.off = 0
	if st, err := j.f.Stat(); err == nil && st.Size() > max {
		_ = j.f.Truncate(max)
	}
}

func (j *journal) close() error { return j.f.Close() }

// replay calls apply for every entry of the run of gen records at the start of the file, in
// order, and returns how many records it read.
func (j *journal) replay(gen uint64, apply func(op byte, bucket string, key, value []byte) error) (int, error) {
	data, err := io.ReadAll(io.NewSectionReader(j.f, 0, 1<<62))
	if err != nil {
		return 0, fmt.Errorf("journal read: %w", err)
	}
	records := 0
	for len(data) >= journalHeader {
		n := binary.BigEndian.Uint32(data[8:12])
		if binary.BigEndian.Uint64(data[0:8]) != gen || uint64(n) > uint64(len(data)-journalHeader) {
			break
		}
		payload := data[journalHeader : journalHeader+int(n)]
		crc := crc32.Update(crc32.Checksum(data[0:8], castagnoli), castagnoli, payload)
		if crc != binary.BigEndian.Uint32(data[12:16]) {
			break // torn: the crash came while it was written, so nobody was told it was kept
		}
		if err := eachEntry(payload, apply); err != nil {
			return records, fmt.Errorf("journal record %d: %w", records, err)
		}
		records++
		data = data[journalHeader+int(n):]
	}
	return records, nil
}

// appendEntry encodes one put (value non-nil) or delete.
func appendEntry(b []byte, op byte, bucket string, key, value []byte) []byte {
	h := binHeader{b: append(b, op)}
	h.str(bucket)
	h.bytes(key)
	if op == opPut {
		h.bytes(value)
	}
	return h.b
}

var errBadEntry = errors.New("malformed journal entry")

// eachEntry decodes a record's payload. A record passed its CRC, so a malformed entry is a
// bug, not a torn write: it is an error, never skipped.
func eachEntry(p []byte, apply func(op byte, bucket string, key, value []byte) error) error {
	r := binReader{b: p}
	for len(r.b) > 0 {
		op := r.b[0]
		r.b = r.b[1:]
		bucket, key := r.bytes(), r.bytes()
		var value []byte
		if op == opPut {
			value = r.bytes()
		}
		if r.err != nil || (op != opPut && op != opDelete) {
			return errBadEntry
		}
		if err := apply(op, string(bucket), key, value); err != nil {
			return err
		}
	}
	return nil
}
