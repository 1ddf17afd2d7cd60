package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/switchboard/switchboard/engine/enginetest"
	"github.com/switchboard/switchboard/fakemeta"
	"github.com/switchboard/switchboard/persistence"
)

// Regression: messages a stopped process left queued in the outbox waited for the tenant's
// next call after the restart. The engine was meant to wake every connected tenant at start
// (OUTBOUND.md), but nothing called that wake; tenants came back only when a webhook or an
// API call reached them, and a quiet tenant's messages, answered 202, stayed queued. Staged:
// two messages to one customer under a pair limit of one per 20 s, so the second waits in
// its lane when the node stops; Meta's statuses for the first are held back, so no webhook
// wakes the tenant after the restart; nothing else calls it. The outbox keeper's first round
// wakes it, and the second message goes once the pair limit lets it.
func TestQueuedMessagesOfAQuietTenantAreSentAfterARestart(t *testing.T) {
	for _, b := range enginetest.Backends {
		t.Run(string(b), func(t *testing.T) {
			cfg := fakemeta.DefaultConfig()
			cfg.PairEvery = 0 // the engine's own pair limit holds the second message
			env := map[string]string{"OUTBOUND_PAIR_INTERVAL": "20s", "OUTBOUND_PAIR_BURST": "1", "OUTBOX_KEEPER_INTERVAL": "1s"}
			r := startWithMeta(t, b, cfg, env)
			const customer = "5511955550002"
			conv := r.customerWrites(t, r.tenantA, phoneA, customer)
			r.meta.DelayNextStatuses(phoneA, 10*time.Minute, 2, fakemeta.To(customer))
			first, second := r.send(t, r.agent, conv, "um"), r.send(t, r.agent, conv, "dois")
			eventually(t, 30*time.Second, func() bool { return sentTimes(r.meta, phoneA)[first.ID] == 1 },
				func() string { return "the first message never reached Meta" })
			r.Stop()

			e := metaEnv(r.meta)
			for k, v := range env {
				e[k] = v
			}
			n := enginetest.Start(t, enginetest.Options{Backend: b, DataDir: r.DataDir, Database: r.Database, Env: e})
			state := func() string {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				row, err := n.Engine.Store().Outbox().Get(ctx, second.ID)
				if err != nil {
					return err.Error()
				}
				return string(row.State)
			}
			eventually(t, 40*time.Second, func() bool { return state() == string(persistence.OutboxSent) },
				func() string { return "the message left queued was not sent after the restart: " + state() })
			if n := sentTimes(r.meta, phoneA)[second.ID]; n != 1 {
				t.Fatalf("the message reached Meta %d times, want once", n)
			}
		})
	}
}
