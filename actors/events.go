package actors

// The WebSocket event types, as the contract names them (API.md): the one place they are
// spelled, for the actors that publish them and the engine that hands them to the hub.
const (
	// EventMessageNew: a message entered the conversation (inbound, or queued outbound).
	EventMessageNew = "message.new"
	// EventMessageStatus: a stored message changed (status, wamid, error, pricing), or a
	// send was put back for a retry.
	EventMessageStatus = "message.status"
	// EventConversationUpdated is published with a conversation's summary after each
	// durable change.
	EventConversationUpdated = "conversation.updated"
	// EventConversationAssigned is published when a conversation is assigned or
	// unassigned, once durable, with ConversationAssigned as its data; by the conversation
	// grain, which alone knows whether the assignee changed (a repeat publishes nothing).
	EventConversationAssigned = "conversation.assigned"
	// EventTenantUpdated is the event a tenant's sending state changes with: its sends
	// paused (131048, 368, … with the reason and until when) or resumed, its token rejected
	// (190, re-authorisation needed) or replaced, an account restriction or ban applied or
	// lifted. A client that sees messages stop moving learns why without polling
	// GET /tenants/:id/status.
	EventTenantUpdated = "tenant.updated"
)

// ConversationAssigned is conversation.assigned's data: who the conversation went to ("" when
// unassigned), who gave it, and the conversation's summary after the change.
type ConversationAssigned struct {
	TenantID       string              `json:"tenantId"`
	ConversationID string              `json:"conversationId"`
	AssignedTo     string              `json:"assignedTo"`
	AssignedBy     string              `json:"assignedBy"`
	Conversation   ConversationSummary `json:"conversation"`
}
