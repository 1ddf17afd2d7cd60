package persistence

import "errors"

// Sentinel errors every backend returns (wrapped with context); callers test with errors.Is.
var (
	// ErrNotFound: no document has that key.
	ErrNotFound = errors.New("persistence: not found")
	// ErrConflict: a unique key (id, email, phone number id) is already taken.
	ErrConflict = errors.New("persistence: conflict")
	// ErrVersionConflict: a conditional write found another version or state than it expected;
	// for snapshots it means another activation fenced this one out.
	ErrVersionConflict = errors.New("persistence: version conflict")
	// ErrUnavailable: the backend cannot accept writes now (closed, disk or network failure).
	// The webhook edge answers 503 on it so Meta retries.
	ErrUnavailable = errors.New("persistence: unavailable")
)

// MaxDocsPerUpdate bounds how many existing documents one update command may touch.
// FerretDB 1.24 hangs its connection pool for good above about 40; real MongoDB does not
// care, so the bound only costs a few extra round trips there.
const MaxDocsPerUpdate = 40
