package graph

import (
	"context"
	"errors"
	"testing"
	"time"
)

// A call whose deadline has passed before it starts is never sent (fasthttp refuses it at
// once), so it must say so: a send reported "may have been sent" is parked for
// reconciliation and shown as unknown instead of being retried. DeadlineOnly contexts (the
// sender's) never report their deadline through Err, so the client must look at it itself.
func TestClientExpiredDeadlineIsNotSent(t *testing.T) {
	g := startGraphServer(t)
	g.reply(200, []byte(`{"messaging_product":"whatsapp","messages":[{"id":"wamid.X"}]}`))
	c := newTestClient(t, g.url)
	body := []byte(`{"messaging_product":"whatsapp","to":"+5511987654321","type":"text","text":{"body":"hi"}}`)
	expired, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Millisecond))
	defer cancel()
	for name, ctx := range map[string]context.Context{"deadline only": DeadlineOnly(expired), "plain": expired} {
		t.Run(name, func(t *testing.T) {
			_, err := c.SendMessageRaw(ctx, tokenA, pnID, body)
			if !errors.Is(err, ErrTransport) || !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("want a deadline transport error, got %v", err)
			}
			if IsMaybeSent(err) {
				t.Fatalf("a call never sent counted as maybe sent: %v", err)
			}
		})
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.seen) != 0 {
		t.Fatalf("server saw %d requests", len(g.seen))
	}
}
