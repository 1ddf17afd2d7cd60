package actors

import (
	"bytes"
	"fmt"
	"time"

	json "github.com/goccy/go-json"

	"github.com/switchboard/switchboard/persistence"
)

// restoring gives r the message as accepted from its outbox row, unless it carries it already,
// so the result restores the conversation's record of it if that record was lost: the REST
// edge only tells the record (acker), and it is written behind, so a stopping activation or
// a failed flush loses it. Every outcome the sender tells a conversation carries it.
func (r *OutboundResult) restoring(row persistence.OutboxMessage) *OutboundResult {
	if r.Message == nil {
		if m, err := OutboundMessage(row.ID, row.Request, row.CreatedAt); err == nil {
			r.Message = &m
		}
	}
	return r
}

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
		Template *templateMember `json:"template"`
		Context  *struct {
			MessageID string `json:"message_id"`
		} `json:"context"`
		Interactive *struct {
			Body *struct {
				Text string `json:"text"`
			} `json:"body"`
		} `json:"interactive"`
		Reaction *struct {
			Emoji string `json:"emoji"`
		} `json:"reaction"`
	}
	if err := json.Unmarshal(request, &req); err != nil {
		return Message{}, fmt.Errorf("actors: outbound request of %s: %w", id, err)
	}
	m := Message{ID: id, Direction: Outbound, Type: req.Type, Status: StatusQueued, Timestamp: at, CreatedAt: at}
	switch {
	case req.Text != nil:
		m.Text = req.Text.Body
	case req.Template != nil:
		m.Text = req.Template.Name + " (" + req.Template.Language.Code + ")"
	case req.Interactive != nil && req.Interactive.Body != nil:
		m.Text = req.Interactive.Body.Text
	case req.Reaction != nil && req.Reaction.Emoji != "":
		m.Text = req.Reaction.Emoji
	case req.Reaction != nil:
		m.Text = "[reaction removed]" // as an inbound removal previews
	}
	if req.Type != "" && req.Type != "text" {
		var members map[string]json.RawMessage
		if err := json.Unmarshal(request, &members); err == nil {
			m.Content = members[req.Type]
		}
		if m.Text == "" {
			m.Text = mediaPreview(req.Type, m.Content)
		}
	}
	if req.Context != nil && req.Context.MessageID != "" {
		m.Context = &MessageContext{ReplyTo: req.Context.MessageID}
	}
	return m, nil
}

// mediaPreview is what an inbox list shows of a message without text, as for inbound ones
// (graph.Message.Preview): the caption, else the file name, else the type in brackets.
func mediaPreview(kind string, content json.RawMessage) string {
	var media struct {
		Caption  string `json:"caption"`
		Filename string `json:"filename"`
	}
	_ = json.Unmarshal(content, &media) // not a media object: the bracketed type
	switch {
	case media.Caption != "":
		return media.Caption
	case media.Filename != "":
		return media.Filename
	}
	return "[" + kind + "]"
}

// StoredOutbound is an outbound message as its outbox row tells it: the record, with the
// send's state (a message being sent still shows queued; Meta's answer shows sent with its
// wamid, or failed with its error; a canceled one, canceled). Delivery and read receipts
// live in the conversation.
func StoredOutbound(row persistence.OutboxMessage) (Message, error) {
	m, err := OutboundMessage(row.ID, row.Request, row.CreatedAt)
	if err != nil {
		return m, err
	}
	m.CreatedAt, m.WAMID, m.RetractedWAMIDs = row.CreatedAt, row.WAMID, row.Retracted
	switch row.State {
	case persistence.OutboxSent, persistence.OutboxRetryable:
		// Retryable: Meta failed an accepted attempt, and whether it goes again is being
		// decided (actors/sender_resend.go); until then the outbox tells what it told before.
		m.Status = StatusSent
	case persistence.OutboxFailed:
		m.Status = StatusFailed
		m.Error = rowError(row)
	case persistence.OutboxUnknown:
		m.Status = StatusUnknown
	case persistence.OutboxCanceled:
		m.Status = StatusCanceled
	}
	return m, nil
}

// SameRequest reports whether stored is the message row asks for: the same tenant and
// conversation, the same validity of its own (the API's validFor) and the same Graph request
// but for its recipient. The conversation names the customer; how the request addresses
// them may change between two tries of one call (a customer known by a business-scoped user
// id is addressed by number once Meta tells it). A repeated API call (Idempotency-Key) is
// recognised by this, and anything else refused.
func SameRequest(stored, row persistence.OutboxMessage) bool {
	if stored.TenantID != row.TenantID || stored.ConversationID != row.ConversationID || validity(stored) != validity(row) {
		return false
	}
	if bytes.Equal(stored.Request, row.Request) {
		return true
	}
	var a, b map[string]json.RawMessage
	if json.Unmarshal(stored.Request, &a) != nil || json.Unmarshal(row.Request, &b) != nil {
		return false
	}
	for _, recipient := range []string{"to", "recipient"} {
		delete(a, recipient)
		delete(b, recipient)
	}
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || !bytes.Equal(v, w) {
			return false
		}
	}
	return true
}

// validity is how long after its acceptance a row's message may still go out by its own
// bound, 0 without one. Each try of a call computes its ExpiresAt from its own arrival, so a
// repeat compares the duration, never the times; in whole seconds, as validFor is given,
// which a store keeping only milliseconds cannot change.
func validity(m persistence.OutboxMessage) time.Duration {
	if m.ExpiresAt.IsZero() {
		return 0
	}
	return m.ExpiresAt.Sub(m.CreatedAt).Round(time.Second)
}

// conversationOf is the grain identity of the conversation an outbox row belongs to.
func conversationOf(row persistence.OutboxMessage) (string, bool) {
	tenantID, key, ok := ParseConversationID(row.ConversationID)
	if !ok {
		return "", false
	}
	return ConversationIdentity(tenantID, key), true
}
