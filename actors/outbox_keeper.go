package actors

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// The outbox keeper: messages nobody is sending. A tenant's sender works only while its grain
// is active, and a grain may stop while the outbox holds work for it — it could not read the
// store after a failed save (tenant_save.go), its activation failed because the store was
// down, its node drained — or its process died. A stopped tenant's hand-over wakes the next
// activation, but a wake that fails (the store still down) is not tried again, and the wake
// of every connected tenant at start that OUTBOUND.md promised was never called: the
// tenant's next call (an API send, a webhook) was the only thing left to activate it, and a
// quiet tenant may make none for days, while its messages, answered 202, wait queued. So the
// engine runs a keeper, at start and every OUTBOX_KEEPER_INTERVAL: each round asks the store
// which tenants hold work that is due — a row sending or unknown to reconcile, one retryable
// whose resend is to be decided (sender_resend.go), or a queued one whose retry time has
// come — and wakes them (WakeOutbound{Due}).
//
// What it costs: one store query a round (DueTenants; on FerretDB one table scan, not one
// per tenant), and at most KeeperBatch wakes, each a call to an active grain (which resumes
// its outbox, as it does on its own, and lists its retryable rows again: sender_redecide.go)
// or an activation. A tenant whose rows wait for a retry
// not yet due, or that holds none, is not woken; the keeper's wakes do not count as use, so
// an activation with nothing to do still passivates (tenantGrain.keeperWake). In a cluster
// every member's keeper reads the same rows and wakes only the tenants it owns; the grain
// call goes to the owner anyway should the topology change meanwhile.

// KeeperBatch is how many tenants one keeper round wakes at most; the next round goes on
// after the last tenant this one looked at.
const KeeperBatch = 100

// keeperQueryTimeout bounds a round's query: on FerretDB a scan of the whole outbox.
const keeperQueryTimeout = 30 * time.Second

// keeperWakeTimeout bounds one wake: an activation loads the tenant's state and outbox.
const keeperWakeTimeout = time.Minute

// A tenant whose wake failed is left alone for keeperBackoff, doubling with each failure in
// a row up to keeperMaxBackoff. A wake that fails takes its whole timeout (the cluster call
// activates the grain again and again until then), so a tenant that cannot be activated —
// a snapshot that does not decode, a store that refuses its reads — would otherwise cost
// every round a minute and hundreds of activations, and hold back the tenants after it.
const (
	keeperBackoff    = time.Minute
	keeperMaxBackoff = time.Hour
)

// OutboxKeeper wakes tenants whose outbox holds due work. Its rounds run one at a time.
type OutboxKeeper struct {
	client      *Client
	outbox      persistence.Outbox
	log         *slog.Logger
	after       string // the last tenant the previous round looked at
	wakeTimeout time.Duration
	failing     map[string]keeperRetry // tenants whose last wake failed
}

// keeperRetry is when a tenant whose wake failed is woken again, and the wait after that.
type keeperRetry struct {
	at   time.Time
	wait time.Duration
}

// NewOutboxKeeper returns a keeper waking tenants through client.
func NewOutboxKeeper(client *Client, outbox persistence.Outbox, log *slog.Logger) *OutboxKeeper {
	return &OutboxKeeper{client: client, outbox: outbox, log: log, wakeTimeout: keeperWakeTimeout, failing: map[string]keeperRetry{}}
}

// Round wakes up to KeeperBatch tenants of this member with work due at now, and returns
// how many it woke. A wake that fails is logged, and tried again after a backoff.
func (k *OutboxKeeper) Round(ctx context.Context, now time.Time) (int, error) {
	qctx, cancel := context.WithTimeout(ctx, keeperQueryTimeout)
	due, err := k.outbox.DueTenants(qctx, now, k.after, KeeperBatch)
	cancel()
	if err != nil {
		return 0, fmt.Errorf("outbox keeper: list tenants with due work: %w", err)
	}
	k.after = ""
	if len(due) == KeeperBatch {
		k.after = due[len(due)-1] // more may follow: the next round starts there
	}
	woken := 0
	for _, tenantID := range due {
		if ctx.Err() != nil {
			return woken, ctx.Err()
		}
		if !k.client.node.Owns(KindTenant, tenantID) {
			continue // its owner's keeper wakes it
		}
		retry, failed := k.failing[tenantID]
		if failed && now.Before(retry.at) {
			continue
		}
		wctx, cancel := context.WithTimeout(ctx, k.wakeTimeout)
		_, err := call[Ack](wctx, k.client, KindTenant, tenantID, &WakeOutbound{Due: true})
		cancel()
		if err != nil {
			wait := keeperBackoff
			if failed {
				wait = min(2*retry.wait, keeperMaxBackoff)
			}
			k.failing[tenantID] = keeperRetry{at: now.Add(wait), wait: wait}
			k.log.Warn("tenant with due outbox work not woken; trying again later", "tenant", tenantID, "in", wait, "err", err)
			continue
		}
		delete(k.failing, tenantID)
		woken++
	}
	return woken, nil
}
