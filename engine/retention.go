package engine

import (
	"context"
	"time"
)

// Retention: how often the pruner runs, how many rows one prune call deletes (one store
// transaction, kept short because webhook acknowledgements and sends commit on the same
// files), and how long one round may spend on each store. The bound is time, not a count of
// batches: a round must delete at least what arrived in a minute, which at Meta's rates is
// far more than any fixed count chosen for a quiet node (20 batches, 10,000 rows a minute,
// was 167 webhooks a second: a single number sending at Meta's default 80/s brings back
// more status webhooks than that, and the inbox then grew for good). A backlog beyond what
// a round's time deletes (after a long pause) is worked off over several rounds.
const (
	pruneEvery  = time.Minute
	pruneBatch  = 500
	pruneBudget = pruneEvery / 4
)

// startPruner deletes, once a minute, processed webhooks older than INBOX_RETENTION and
// sent or failed messages older than OUTBOX_RETENTION. Without it both files grow by every
// webhook and every send, forever. Unprocessed webhooks and pending sends are never deleted
// (persistence.Inbox.PruneProcessed, persistence.Outbox.PruneSettled).
func (e *Engine) startPruner() {
	if e.cfg.InboxRetention == 0 && e.cfg.OutboxRetention == 0 {
		return
	}
	e.repeat(pruneEvery, pruneEvery, func() { e.pruneOnce(time.Now()) })
}

// pruneOnce runs one round of both prunes with cutoffs relative to now.
func (e *Engine) pruneOnce(now time.Time) {
	type pruner struct {
		what      string
		retention time.Duration
		prune     func(ctx context.Context, before time.Time, limit int) (int, error)
	}
	for _, p := range []pruner{
		{"inbox", e.cfg.InboxRetention, e.store.Inbox().PruneProcessed},
		{"outbox", e.cfg.OutboxRetention, e.store.Outbox().PruneSettled},
	} {
		if p.retention == 0 {
			continue
		}
		total, until := 0, time.Now().Add(pruneBudget)
		for time.Now().Before(until) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			n, err := p.prune(ctx, now.Add(-p.retention), pruneBatch)
			cancel()
			total += n
			if err != nil {
				e.log.Warn("retention: prune failed", "store", p.what, "err", err)
				break
			}
			if n < pruneBatch {
				break
			}
			select {
			case <-e.stopping:
				return
			default:
			}
		}
		if total > 0 {
			e.log.Info("retention: pruned", "store", p.what, "deleted", total, "older_than", p.retention)
		}
	}
}
