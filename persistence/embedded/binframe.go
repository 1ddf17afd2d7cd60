package embedded

import (
	"encoding/binary"
	"errors"
	"time"
)

// Values carry a small header (the fields a store reads: versions, states, times) before
// their opaque data. The header was JSON; encoding and decoding it — times above all — was
// about a twentieth of all CPU in send-throughput, on every snapshot commit, outbox
// transition and version check. Headers are now written in this binary form: strings and
// byte strings as uvarint length and bytes, integers as varints, times as a presence byte,
// Unix seconds and nanoseconds (UTC, as both backends store them). Values written before keep
// their JSON headers and still decode (framed.go, outbox_codec.go tell the two apart).

// binHeader builds a header.
type binHeader struct{ b []byte }

// newBinHeader starts a value with its marker byte (which encoding follows), with room for
// size bytes in all.
func newBinHeader(marker byte, size int) binHeader {
	return binHeader{b: append(make([]byte, 0, size), marker)}
}

func (h *binHeader) str(s string) {
	h.b = binary.AppendUvarint(h.b, uint64(len(s)))
	h.b = append(h.b, s...)
}

func (h *binHeader) bytes(b []byte) {
	h.b = binary.AppendUvarint(h.b, uint64(len(b)))
	h.b = append(h.b, b...)
}

func (h *binHeader) int(i int64)   { h.b = binary.AppendVarint(h.b, i) }
func (h *binHeader) uint(u uint64) { h.b = binary.AppendUvarint(h.b, u) }

func (h *binHeader) time(t time.Time) {
	if t.IsZero() {
		h.b = append(h.b, 0)
		return
	}
	h.b = append(h.b, 1)
	h.b = binary.AppendVarint(h.b, t.Unix())
	h.b = binary.AppendUvarint(h.b, uint64(t.Nanosecond()))
}

var errBadHeader = errors.New("malformed binary header")

// binReader reads a header; the first malformed field sets err and zeroes the rest.
type binReader struct {
	b   []byte
	err error
}

// bytes reads a byte string without copying it: the bytes are the value's, valid as long as
// it is (a field skipped or compared costs no allocation).
func (r *binReader) bytes() []byte {
	n, k := binary.Uvarint(r.b)
	if r.err != nil || k <= 0 || uint64(len(r.b)-k) < n {
		r.fail()
		return nil
	}
	b := r.b[k : k+int(n)]
	r.b = r.b[k+int(n):]
	return b
}

func (r *binReader) str() string { return string(r.bytes()) }

func (r *binReader) int() int64 {
	i, k := binary.Varint(r.b)
	if r.err != nil || k <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[k:]
	return i
}

func (r *binReader) uint() uint64 {
	u, k := binary.Uvarint(r.b)
	if r.err != nil || k <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[k:]
	return u
}

func (r *binReader) time() time.Time {
	if r.err != nil || len(r.b) == 0 {
		r.fail()
		return time.Time{}
	}
	set := r.b[0]
	r.b = r.b[1:]
	if set == 0 {
		return time.Time{}
	}
	sec, nsec := r.int(), r.uint()
	if r.err != nil || nsec >= 1e9 {
		r.fail()
		return time.Time{}
	}
	return time.Unix(sec, int64(nsec)).UTC()
}

func (r *binReader) fail() {
	if r.err == nil {
		r.err = errBadHeader
	}
	r.b = nil
}

// rest is what follows the header: the value's data.
func (r *binReader) rest() []byte { return r.b }
