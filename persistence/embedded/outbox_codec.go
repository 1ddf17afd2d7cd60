package embedded

import (
	"errors"
	"fmt"

	json "github.com/goccy/go-json"

	"github.com/switchboard/switchboard/persistence"
)

// Outbox rows are framed like snapshots: a marker byte, then a JSON header with every field
// but the request body, then the Graph API request verbatim. As a JSON field the request
// was base64-encoded — a third bigger, and encoded or decoded on every claim and settle.
// Rows written before the framing (plain JSON, which always starts with '{') still decode.
const outboxFramed byte = 0x00

// outboxHeader is a row without its request body. Request here shadows the message's own
// (the shallower field wins for one JSON name) and, always empty, is left out: every other
// field of OutboxMessage — one added later included — is framed with no change here.
type outboxHeader struct {
	persistence.OutboxMessage
	Request []byte `json:"request,omitempty"`
}

func encodeOutbox(m persistence.OutboxMessage) ([]byte, error) {
	v, err := frame(outboxHeader{OutboxMessage: m}, m.Request)
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
	m = h.OutboxMessage
	m.Request = req
	return m, nil
}

// pendingState reports whether rows in state are in the by-state index. Only pending rows
// are: ListByState serves recovery and rescans of queued, sending and unknown messages, and
// indexing sent and failed rows too cost a page write per send and an index that grew with
// every message until pruned.
func pendingState(s persistence.OutboxState) bool {
	return s == persistence.OutboxQueued || s == persistence.OutboxSending || s == persistence.OutboxUnknown
}
