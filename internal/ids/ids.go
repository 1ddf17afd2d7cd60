// Package ids makes identifiers: 24 lower-case hex characters (the shape of a MongoDB
// ObjectID, so ids look alike in both backends) that sort by creation time. Webhook inbox
// entries rely on that order for replay. Keyed ids, named by a caller's key, have the shape
// but not the order: only messages, which nothing orders by id, take them.
package ids

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"sync"
	"time"
)

// Generator makes ids that increase strictly within one process: 48 bits of milliseconds
// (never moving backwards even if the clock does), 16 random bits naming the process, and a
// 32-bit counter.
type Generator struct {
	mu      sync.Mutex
	lastMs  uint64
	counter uint32
	node    uint16
}

// NewGenerator returns a generator with a random node tag.
func NewGenerator() *Generator {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return &Generator{node: binary.BigEndian.Uint16(b[:2]), counter: binary.BigEndian.Uint32(b[2:]) >> 8}
}

// New returns the next id.
func (g *Generator) New() string {
	g.mu.Lock()
	ms := uint64(time.Now().UnixMilli())
	if ms > g.lastMs {
		g.lastMs = ms
	}
	g.counter++
	if g.counter == 0 { // wrapped within one millisecond: borrow the next one
		g.lastMs++
	}
	ms, c := g.lastMs, g.counter
	g.mu.Unlock()

	var b [12]byte
	b[0], b[1], b[2], b[3], b[4], b[5] = byte(ms>>40), byte(ms>>32), byte(ms>>24), byte(ms>>16), byte(ms>>8), byte(ms)
	binary.BigEndian.PutUint16(b[6:], g.node)
	binary.BigEndian.PutUint32(b[8:], c)
	return hex.EncodeToString(b[:])
}

// Keyed returns the id a caller's own key names within scope: the same scope and key give the
// same id in every process and after every restart, so a store's unique id turns a repeated
// request into a conflict instead of a second record (the send API's Idempotency-Key). It has
// the shape of New's ids but not their order: it carries no time.
func Keyed(scope, key string) string {
	h := sha256.New()
	h.Write([]byte(scope))
	h.Write([]byte{0}) // scope "a", key "bc" and scope "ab", key "c" stay apart
	h.Write([]byte(key))
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// Valid reports whether s has the shape of an id (used to reject junk path parameters
// before they reach a store).
func Valid(s string) bool {
	if len(s) != 24 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// TimeOf is the creation time New wrote into id; ok is false for a string that is not an
// id. A keyed id decodes to a meaningless time (it carries none): callers that need to know
// compare it with a time they hold (TimeOrdered).
func TimeOf(id string) (t time.Time, ok bool) {
	if !Valid(id) {
		return time.Time{}, false
	}
	b, err := hex.DecodeString(id[:12])
	if err != nil {
		return time.Time{}, false
	}
	ms := uint64(b[0])<<40 | uint64(b[1])<<32 | uint64(b[2])<<24 | uint64(b[3])<<16 | uint64(b[4])<<8 | uint64(b[5])
	return time.UnixMilli(int64(ms)), true
}

// TimeOrdered reports whether id was made by New at about created (within a minute: clocks
// and the generator's no-going-back rule), that is, whether it sorts by creation. A keyed
// id's first 48 bits are a hash: that they name a moment within a minute of its creation
// has odds of about one in 10^9.
func TimeOrdered(id string, created time.Time) bool {
	t, ok := TimeOf(id)
	return ok && t.Sub(created).Abs() < time.Minute
}

// Floor is the smallest id New could make at t: every id made at t or later sorts at or
// after it.
func Floor(t time.Time) string {
	ms := uint64(max(0, t.UnixMilli()))
	var b [12]byte
	b[0], b[1], b[2], b[3], b[4], b[5] = byte(ms>>40), byte(ms>>32), byte(ms>>24), byte(ms>>16), byte(ms>>8), byte(ms)
	return hex.EncodeToString(b[:])
}

// Made reports whether id carries this generator's node tag: made by it, or (one chance in
// 65,536) by another generator that drew the same tag.
func (g *Generator) Made(id string) bool {
	if !Valid(id) {
		return false
	}
	tag, err := strconv.ParseUint(id[12:16], 16, 16) // no allocation: replay asks per entry
	return err == nil && uint16(tag) == g.node
}
