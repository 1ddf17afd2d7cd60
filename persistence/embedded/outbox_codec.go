package embedded

import (
	"errors"
	"fmt"
	"time"

	json "github.com/goccy/go-json"

	"github.com/switchboard/switchboard/persistence"
)

// Outbox rows are framed like snapshots: a marker byte, then a JSON header with every field
// but the request body, then the Graph API request verbatim. As a JSON field the request
// was base64-encoded — a third bigger, and encoded or decoded on every claim and settle.
// Rows written before the framing (plain JSON, which always starts with '{') still decode.
const outboxFramed byte = 0x00

type outboxHeader struct {
	ID             string                  `json:"id"`
	TenantID       string                  `json:"tenantId"`
	ConversationID string                  `json:"conversationId"`
	PhoneNumberID  string                  `json:"phoneNumberId"`
	Recipient      string                  `json:"recipient"`
	State          persistence.OutboxState `json:"state"`
	WAMID          string                  `json:"wamid,omitempty"`
	Attempts       int                     `json:"attempts"`
	NextAttemptAt  time.Time               `json:"nextAttemptAt"`
	ErrorCode      int                     `json:"errorCode,omitempty"`
	ErrorTitle     string                  `json:"errorTitle,omitempty"`
	CreatedAt      time.Time               `json:"createdAt"`
	UpdatedAt      time.Time               `json:"updatedAt"`
}

func encodeOutbox(m persistence.OutboxMessage) ([]byte, error) {
	v, err := frame(outboxHeader{
		ID: m.ID, TenantID: m.TenantID, ConversationID: m.ConversationID, PhoneNumberID: m.PhoneNumberID,
		Recipient: m.Recipient, State: m.State, WAMID: m.WAMID, Attempts: m.Attempts, NextAttemptAt: m.NextAttemptAt,
		ErrorCode: m.ErrorCode, ErrorTitle: m.ErrorTitle, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt,
	}, m.Request)
	if err != nil {
		return nil, fmt.Errorf("encode outbox message %q: %w", m.ID, err)
	}
	return append([]byte{outboxFramed}, v...), nil
}

var errEmptyOutboxRow = errors.New("empty outbox row")

// decodeOutbox decodes a stored row; withRequest false skips copying the request body (a
// state check or a prune needs the header only).
func decodeOutbox(v []byte, withRequest bool) (persistence.OutboxMessage, error) {
	var m persistence.OutboxMessage
	switch {
	case len(v) == 0:
		return m, errEmptyOutboxRow
	case v[0] != outboxFramed: // a row from before the framing
		err := json.Unmarshal(v, &m)
		return m, err
	}
	var h outboxHeader
	req, err := unframe(v[1:], &h, withRequest)
	if err != nil {
		return m, err
	}
	return persistence.OutboxMessage{
		ID: h.ID, TenantID: h.TenantID, ConversationID: h.ConversationID, PhoneNumberID: h.PhoneNumberID,
		Recipient: h.Recipient, State: h.State, Request: req, WAMID: h.WAMID, Attempts: h.Attempts,
		NextAttemptAt: h.NextAttemptAt, ErrorCode: h.ErrorCode, ErrorTitle: h.ErrorTitle,
		CreatedAt: h.CreatedAt, UpdatedAt: h.UpdatedAt,
	}, nil
}

// pendingState reports whether rows in state are in the by-state index. Only pending rows
// are: ListByState serves recovery and rescans of queued, sending and unknown messages, and
// indexing sent and failed rows too cost a page write per send and an index that grew with
// every message until pruned.
func pendingState(s persistence.OutboxState) bool {
	return s == persistence.OutboxQueued || s == persistence.OutboxSending || s == persistence.OutboxUnknown
}
