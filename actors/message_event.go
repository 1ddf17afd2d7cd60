package actors

// Message event types, as the WebSocket contract names them (API.md).
const (
	EventMessageNew    = "message.new"    // a message entered the conversation (inbound, or queued outbound)
	EventMessageStatus = "message.status" // a stored message changed: status, wamid, error, pricing
)

// MessageEvent is one durable change of one message. Conversations publish them through
// Deps.OnMessages after the flush that stored the change, so a subscriber never hears of a
// status the store could still lose; the message is the whole current record (status, its
// timestamps, wamid, Meta's error), so a consumer needs no other read to render it.
type MessageEvent struct {
	Type           string  `json:"type"`
	TenantID       string  `json:"tenantId"`
	ConversationID string  `json:"conversationId"`
	Message        Message `json:"message"`
}
