package engine_test

import (
	"testing"
	"time"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/engine/enginetest"
)

// API.md's server events include conversation.assigned; the engine never published it, so a
// client waiting for "assigned to you" heard only a conversation.updated it could not tell
// from a new message. An assignment (and an unassignment) now publishes it once durable,
// naming the conversation, the agent it went to and who made it. A repeat of the assignment
// in force (a client's retry) changes nothing and publishes nothing: the events heard are
// exactly one per change, so after assign, the same assign, unassign, the second event heard
// is the unassignment.
func TestAssignmentPublishesConversationAssigned(t *testing.T) {
	n := enginetest.Start(t, enginetest.Options{Backend: enginetest.Embedded})
	n.Seed()
	tenantA := demoTenantID(t, n)
	demo, agent := n.Login(demoEmail, demoPassword), n.Login(agentEmail, agentPassword)
	if r := postWebhook(t, n, inboundText(userWaID, "wamid.assign.1", "Oi", time.Now().Unix())); r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	waitProcessed(t, n, 1)
	conv := actors.ConversationID(tenantA, userWaID)
	var agentMe, demoMe meView
	n.Get("/api/v1/auth/me", agent).Data(t, &agentMe)
	n.Get("/api/v1/auth/me", demo).Data(t, &demoMe)

	sub := n.Engine.Events().Subscribe(tenantA, 0)
	defer sub.Close()
	assign := func(agentID string) {
		t.Helper()
		if r := n.Do(enginetest.Request{Method: "PUT", Path: "/api/v1/conversations/" + conv + "/assign", Token: demo,
			Body: map[string]string{"agentId": agentID}}); r.Status != 200 {
			t.Fatalf("assign %q: %d %s", agentID, r.Status, r.Body)
		}
	}
	assign(agentMe.User.ID)
	assign(agentMe.User.ID) // a retry: nothing changes
	assign("")
	for _, tc := range []struct{ agentID, to string }{{agentMe.User.ID, agentMe.User.ID}, {"", ""}} {
		deadline := time.After(10 * time.Second)
	wait:
		for {
			select {
			case e := <-sub.C():
				if e.Type != actors.EventConversationAssigned {
					continue
				}
				a, ok := e.Data.(actors.ConversationAssigned)
				if !ok || a.ConversationID != conv || a.TenantID != tenantA || a.AssignedTo != tc.to || a.AssignedBy != demoMe.User.ID ||
					a.Conversation.AssignedTo != tc.to {
					t.Fatalf("conversation.assigned for %q: %+v", tc.agentID, e.Data)
				}
				break wait
			case <-deadline:
				t.Fatalf("no conversation.assigned for %q", tc.agentID)
			}
		}
	}
}
