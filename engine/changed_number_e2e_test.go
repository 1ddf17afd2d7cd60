package engine_test

import (
	"os"
	"testing"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/engine/enginetest"
)

// A customer who changed number (Meta's user_changed_number notice, then messages from the
// new number) has two conversations, one per number, as the engine keys conversations by
// number; the old one keeps its history and links to where the customer went on
// (continuedIn), as Chatwoot links a contact's new number, so an agent opening the old
// thread is not left answering a number the customer no longer has. Before, the old
// conversation only named the new wa_id, and the client had to know how conversation ids
// are made (and the line form of Brazilian mobiles) to find the new one.
func TestChangedNumberLinksTheOldConversationToTheNew(t *testing.T) {
	body, err := os.ReadFile("testdata/user_changed_number_then_writes.json")
	if err != nil {
		t.Fatal(err)
	}
	n := enginetest.Start(t, enginetest.Options{Backend: enginetest.Embedded})
	n.Seed()
	tenantA := demoTenantID(t, n)
	admin := n.Login(adminEmail, adminPassword)
	if r := postWebhook(t, n, body); r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	waitProcessed(t, n, 1)
	oldID := actors.ConversationID(tenantA, "5511987654321")
	var old struct {
		Conversation struct {
			conversationView
			ContinuedIn string
		}
	}
	n.Get("/api/v1/conversations/"+oldID, admin).Data(t, &old)
	if c := old.Conversation; c.ContinuedIn == "" || c.Contact.ChangedNumberTo != "5511976543210" || c.MessageCount != 2 || c.UnreadCount != 1 {
		t.Fatalf("old conversation: %+v", c)
	}
	var next struct {
		Conversation struct {
			conversationView
			ContinuedIn string
		}
	}
	if r := n.Get("/api/v1/conversations/"+old.Conversation.ContinuedIn, admin); r.Status != 200 {
		t.Fatalf("continuedIn %s: %d %s", old.Conversation.ContinuedIn, r.Status, r.Body)
	} else {
		r.Data(t, &next)
	}
	if c := next.Conversation; c.ID != old.Conversation.ContinuedIn || c.Contact.Name != "Ana Souza" || c.ContinuedIn != "" ||
		c.LastMessage == nil || c.LastMessage.Text != "Troquei de número, é a Ana do pedido #8812" {
		t.Fatalf("new conversation: %+v", c)
	}
}
