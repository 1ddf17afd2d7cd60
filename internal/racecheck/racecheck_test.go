// Package racecheck runs the engine's concurrent paths under the race detector with exactly
// one protoactor node in the test binary. (Starting a second node in one process trips a race
// inside protoactor/gRPC — remote.Start writes gRPC's global logger — so the packages that
// start several nodes run without -race; see the Makefile. This one keeps our own code
// covered.)
package racecheck

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/engine/enginetest"
	"github.com/switchboard/switchboard/transport/graph"
)

const appSecret = "0123456789abcdef0123456789abcdef"

func TestConcurrentIngestReadsAndActions(t *testing.T) {
	n := enginetest.Start(t, enginetest.Options{Backend: enginetest.Embedded, Env: map[string]string{"RATE_LIMIT_API": "100000/1m"}})
	n.Seed()
	agent := n.Login("agent@whatsapp-saas.com", "Agent@123456")
	var me struct{ User struct{ ID, TenantID string } }
	n.Get("/api/v1/auth/me", agent).Data(t, &me)

	const users, perUser = 8, 25
	var wg sync.WaitGroup
	for u := range users {
		wg.Go(func() {
			waID := fmt.Sprintf("55119888800%02d", u)
			for i := range perUser {
				body := fmt.Appendf(nil, `{"object":"whatsapp_business_account","entry":[{"id":"104996122399160","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550123456","phone_number_id":"109881335267193"},"contacts":[{"profile":{"name":"U%d"},"wa_id":"%s"}],"messages":[{"from":"%s","id":"wamid.race.%d.%d","timestamp":"%d","type":"text","text":{"body":"m%d"}}],"statuses":[{"id":"wamid.out.%d.%d","status":"delivered","timestamp":"%d","recipient_id":"%s"}]}}]}]}`,
					u, waID, waID, u, i, 1767225600+i, i, u, i, 1767225600+i, waID)
				r := n.Do(enginetest.Request{Method: "POST", Path: "/api/v1/webhook", Body: body,
					Header: map[string]string{graph.SignatureHeader: graph.SignatureValue(appSecret, body)}})
				if r.Status != 200 {
					t.Errorf("webhook: %d %s", r.Status, r.Body)
					return
				}
				if i%5 == 0 {
					conv := actors.ConversationID(me.User.TenantID, waID)
					n.Get("/api/v1/conversations", agent)
					n.Get("/api/v1/messages/"+conv, agent)
					n.Do(enginetest.Request{Method: "PUT", Path: "/api/v1/conversations/" + conv + "/read", Token: agent})
					n.Do(enginetest.Request{Method: "PUT", Path: "/api/v1/conversations/" + conv + "/assign", Token: agent,
						Body: map[string]string{"agentId": me.User.ID}})
				}
			}
		})
	}
	wg.Wait()
	deadline := time.Now().Add(60 * time.Second)
	for n.Engine.WebhookStats().Messages.Load() < users*perUser {
		if time.Now().After(deadline) {
			t.Fatalf("processed %d of %d", n.Engine.WebhookStats().Messages.Load(), users*perUser)
		}
		time.Sleep(10 * time.Millisecond)
	}
	r := n.Get("/api/v1/conversations?limit=100", agent)
	var cs []struct{ MessageCount int }
	r.Data(t, &cs)
	total := 0
	for _, c := range cs {
		total += c.MessageCount
	}
	if len(cs) != users || total != users*perUser {
		t.Fatalf("%d conversations, %d messages", len(cs), total)
	}
}
