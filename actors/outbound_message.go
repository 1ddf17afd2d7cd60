package actors

import (
	"fmt"
	"time"

	json "github.com/goccy/go-json"

	"github.com/switchboard/switchboard/persistence"
)

// OutboundMessage is the conversation's record of an outbound message whose Graph request
// body is request: the REST edge records it when it accepts the message, and the sender
// rebuilds the same record from the outbox row if the conversation lost it. One function,
// so both always agree.
func OutboundMessage(id string, request []byte, at time.Time) (Message, error) {
	var req struct {
		Type string `json:"type"`
		Text *struct {
			Body string `json:"body"`
		} `json:"text"`
		Template *struct {
			Name     string `json:"name"`
			Language struct {
				Code string `json:"code"`
			} `json:"language"`
		} `json:"template"`
		Context *struct {
			MessageID string `json:"message_id"`
		} `json:"context"`
	}
	if err := json.Unmarshal(request, &req); err != nil {
		return Message{}, fmt.Errorf("actors: outbound request of %s: %w", id, err)
	}
	m := Message{ID: id, Direction: Outbound, Type: req.Type, Status: StatusQueued, Timestamp: at}
	switch {
	case req.Text != nil:
		m.Text = req.Text.Body
	case req.Template != nil:
		m.Text = req.Template.Name + " (" + req.Template.Language.Code + ")"
	}
	if req.Type != "" && req.Type != "text" {
		var members map[string]json.RawMessage
		if err := json.Unmarshal(request, &members); err == nil {
			m.Content = members[req.Type]
		}
	}
	if req.Context != nil && req.Context.MessageID != "" {
		m.Context = &MessageContext{ReplyTo: req.Context.MessageID}
	}
	return m, nil
}

// conversationOf is the grain identity of the conversation an outbox row belongs to.
func conversationOf(row persistence.OutboxMessage) (string, bool) {
	tenantID, key, ok := ParseConversationID(row.ConversationID)
	if !ok {
		return "", false
	}
	return ConversationIdentity(tenantID, key), true
}
