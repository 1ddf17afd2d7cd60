package persistence

import "context"

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

// Skip is the number of rows before this page.
func (p Page) Skip() int {
	if p.Page < 1 {
		return 0
	}
	return (p.Page - 1) * p.Limit
}
