package actors

import "testing"

// The WebSocket event types are API.md's, named in one place (they were split between this
// package and engine, where a second spelling could drift from the contract unseen).
func TestEventNamesAreTheContracts(t *testing.T) {
	for got, want := range map[string]string{
		EventMessageNew:           "message.new",
		EventMessageStatus:        "message.status",
		EventConversationUpdated:  "conversation.updated",
		EventConversationAssigned: "conversation.assigned",
		EventTenantUpdated:        "tenant.updated",
	} {
		if got != want {
			t.Errorf("event %q, API.md names it %q", got, want)
		}
	}
}
