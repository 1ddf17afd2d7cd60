package bench

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	json "github.com/goccy/go-json"

	"github.com/switchboard/switchboard/internal/ids"
	"github.com/switchboard/switchboard/persistence"
	"github.com/switchboard/switchboard/transport/graph"
)

// drainBacklog measures the sender alone: a bulk campaign of perTenant messages for every
// tenant is written to the outbox in large batches (as a bulk import would, not one API call
// each) and handed to the tenants, and the phase reports messages per second from the
// hand-over to Meta's acceptance of the last one. The API phases measure the same sends
// with each message's HTTP request and acknowledgement on top.
func drainBacklog(ctx context.Context, w *outboundWorld, perTenant int, timeout time.Duration, out io.Writer) error {
	gen := ids.NewGenerator()
	before := w.acceptedCount()
	batches := make([][]persistence.OutboxMessage, len(w.tenants))
	now := time.Now().UTC()
	for t, tenantID := range w.tenants {
		for i := range perTenant {
			conv := w.convs[t][i%len(w.convs[t])]
			waID := conv[len(tenantID)+1:]
			id := gen.New()
			body, err := json.Marshal(graph.NewMessage("+" + waID).WithText(fmt.Sprintf("Campanha %d: seu cupom chegou.", i)).WithCallbackData(id))
			if err != nil {
				return err
			}
			batches[t] = append(batches[t], persistence.OutboxMessage{
				ID: id, TenantID: tenantID, ConversationID: conv, PhoneNumberID: w.phones[t], Recipient: "+" + waID,
				State: persistence.OutboxQueued, Request: body, NextAttemptAt: now, CreatedAt: now, UpdatedAt: now,
			})
		}
	}
	const chunk = 500
	for _, rows := range batches {
		for i := 0; i < len(rows); i += chunk {
			if err := w.e.Store().Outbox().Enqueue(ctx, rows[i:min(i+chunk, len(rows))]); err != nil {
				return fmt.Errorf("bench: enqueue backlog: %w", err)
			}
		}
	}
	start, cpu0 := time.Now(), cpuUsed()
	var wg sync.WaitGroup
	errs := make(chan error, len(batches))
	for _, rows := range batches {
		wg.Go(func() {
			for _, r := range rows {
				if err := w.e.Actors().SubmitOutbound(ctx, r); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return fmt.Errorf("bench: hand backlog to tenants: %w", err)
	}
	total := perTenant * len(w.tenants)
	deadline := start.Add(timeout)
	for {
		accepted := w.acceptedCount() - before
		if accepted >= total {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("bench: only %d of a %d-message backlog reached Meta within %s", accepted, total, timeout)
		}
		time.Sleep(2 * time.Millisecond)
	}
	elapsed, cpu := time.Since(start), cpuUsed()-cpu0
	if err := w.awaitSettled(ctx, timeout); err != nil {
		return err
	}
	if err := w.tallyAtMeta().exactlyOnce(before + total); err != nil {
		return fmt.Errorf("%w (the API phases' %d and a %d-message backlog)", err, before, total)
	}
	fmt.Fprintf(out, "  backlog → sent           %9.0f msg/s   (%d messages queued in the outbox at once, each at Meta exactly once; sender alone, no API; %s CPU per message)\n",
		float64(total)/elapsed.Seconds(), total, perMessage(cpu, total))
	return nil
}
