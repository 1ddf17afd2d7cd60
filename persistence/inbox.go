package persistence

import (
	"context"
	"time"
)

// InboxEntry is one webhook body exactly as Meta posted it, kept before the 200 is sent.
// IDs sort in arrival order (the edge generates them), so replay keeps Meta's order as far as
// Meta kept it.
type InboxEntry struct {
	ID         string    `json:"id" bson:"_id"`
	ReceivedAt time.Time `json:"receivedAt" bson:"receivedAt"`
	Body       []byte    `json:"body" bson:"body"`
	Processed  bool      `json:"processed" bson:"processed"`
}

// DeadLetter is an event the engine could not route (unknown phone number id, unparseable
// change); kept with its reason so nothing Meta sent is silently dropped.
type DeadLetter struct {
	ID         string    `json:"id" bson:"_id"`
	InboxID    string    `json:"inboxId" bson:"inboxId"`
	Reason     string    `json:"reason" bson:"reason"`
	Payload    []byte    `json:"payload" bson:"payload"`
	ReceivedAt time.Time `json:"receivedAt" bson:"receivedAt"`
}

// Inbox is the durable queue between the webhook edge and processing.
type Inbox interface {
	// Append stores all entries in one durable write; when it returns nil every entry survives
	// a crash. ErrConflict if an id is already stored (nothing is written then).
	Append(ctx context.Context, entries []InboxEntry) error
	// MarkProcessed flags entries whose effects are persisted; unknown ids are ignored.
	MarkProcessed(ctx context.Context, ids []string) error
	// Pending returns up to limit unprocessed entries with ID > afterID, in ID order.
	Pending(ctx context.Context, afterID string, limit int) ([]InboxEntry, error)
	// DeadLetter stores events that could not be routed; re-storing an id is a no-op.
	DeadLetter(ctx context.Context, letters []DeadLetter) error
	// DeadLetters lists stored dead letters in id order (operators' view).
	DeadLetters(ctx context.Context, afterID string, limit int) ([]DeadLetter, error)
	// PruneProcessed deletes up to limit processed entries received before before, oldest
	// first, and returns how many it deleted. Unprocessed entries are never deleted, however
	// old; dead letters are kept.
	PruneProcessed(ctx context.Context, before time.Time, limit int) (int, error)
}
