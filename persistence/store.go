package persistence

import (
	"context"
	"math"
)

// Store is one backend: the collections the engine writes, and its lifecycle.
type Store interface {
	Directory() Directory
	Snapshots() Snapshots
	Buckets() Buckets
	Inbox() Inbox
	Outbox() Outbox

	// Backend names the implementation ("embedded" or "mongodb") for health reports.
	Backend() string
	// Ping checks the backend can serve reads and writes now.
	Ping(ctx context.Context) error
	// Flush makes every acknowledged write durable (graceful shutdown calls it).
	Flush(ctx context.Context) error
	// Close flushes and releases the backend. Calls after Close return ErrUnavailable.
	Close(ctx context.Context) error
}

// Page selects one page of a listing: Page is 1-based, Limit is 1..100.
type Page struct {
	Page  int
	Limit int
}

// MaxPage is the highest page a listing serves: with Limit ≤ 100 its rows start within
// 10⁹, far beyond any listing, and no offset arithmetic can overflow.
const MaxPage = 10_000_000

// Skip is the number of rows before this page; it saturates instead of overflowing (a page
// past MaxPage is past every row anyway).
func (p Page) Skip() int {
	if p.Page < 1 || p.Limit < 1 {
		return 0
	}
	if p.Page-1 > math.MaxInt/p.Limit {
		return math.MaxInt
	}
	return (p.Page - 1) * p.Limit
}
