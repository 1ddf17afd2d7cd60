package actors

import (
	"cmp"
	"time"
)

// InboxCursor is a place in the inbox order: newest activity first, then by id (so two
// conversations active at the same instant still have an order). A page that continues
// after a cursor repeats nothing and skips nothing that stayed put, whatever moved to the
// top meanwhile.
type InboxCursor struct {
	LastActivityAt time.Time `json:"lastActivityAt"`
	ID             string    `json:"id"`
}

// CursorOf is the place of s in the inbox order.
func CursorOf(s *ConversationSummary) InboxCursor {
	return InboxCursor{LastActivityAt: s.LastActivityAt, ID: s.ID}
}

// Compare is negative when a comes before b in the inbox order, zero at the same place.
func (a InboxCursor) Compare(b InboxCursor) int {
	if c := b.LastActivityAt.Compare(a.LastActivityAt); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}
