package actors

import (
	"context"

	"github.com/switchboard/switchboard/persistence"
)

// pendingSeen counts the listings of pending webhooks that returned the entry: the looks a
// sender took at the inbox (namedInInbox) while it was pending. The rig runs no processor.
func (s *outageStore) pendingSeen(entryID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seen[entryID]
}

func (s *outageStore) Inbox() persistence.Inbox { return outageInbox{Inbox: s.Store.Inbox(), s: s} }

type outageInbox struct {
	persistence.Inbox
	s *outageStore
}

func (i outageInbox) Pending(ctx context.Context, afterID string, limit int) ([]persistence.InboxEntry, error) {
	page, err := i.Inbox.Pending(ctx, afterID, limit)
	i.s.mu.Lock()
	defer i.s.mu.Unlock()
	if i.s.seen == nil {
		i.s.seen = map[string]int{}
	}
	for _, e := range page {
		i.s.seen[e.ID]++
	}
	return page, err
}
