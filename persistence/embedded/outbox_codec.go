package embedded

import (
	"errors"
	"slices"

	json "github.com/goccy/go-json"

	"github.com/switchboard/switchboard/persistence"
)

// Outbox rows are framed like snapshots: a marker byte, a header with every field but the
// request body, then the Graph API request verbatim. As a JSON field the request was
// base64-encoded — a third bigger, and encoded or decoded on every claim and settle. The
// header is binary (binframe.go): outboxExpiring, which ends with ExpiresAt; outboxCounted,
// which adds the transient failures and the retracted wamids after it (only a row that has
// either: the others keep the shorter header); outboxRetracting, the retracted wamids alone
// (written by a development build, still read); outboxDetailed, outboxCounted's header and
// Meta's error details after it (only a row whose error has details); outboxClaimed,
// outboxDetailed's header and the claim token after it (a sending row); outboxReasoned,
// outboxClaimed's header (the claim empty unless the row is sending) and the error's reason
// after it (only a row whose error has one); or outboxBinary,
// written before ExpiresAt existed. Rows written before keep theirs: a JSON header
// (outboxFramed), or the whole row as plain JSON (from before the framing, always starting
// with '{'). All decode.
const (
	outboxFramed     byte = 0x00
	outboxBinary     byte = 0x01
	outboxExpiring   byte = 0x02
	outboxRetracting byte = 0x03
	outboxCounted    byte = 0x04
	outboxDetailed   byte = 0x05
	outboxClaimed    byte = 0x06
	outboxReasoned   byte = 0x07
)

// outboxHeader is a JSON-framed row without its request body. Request here shadows the
// message's own (the shallower field wins for one JSON name) and, always empty, is left out.
type outboxHeader struct {
	persistence.OutboxMessage
	Request []byte `json:"request,omitempty"`
}

// encodeOutbox writes every field of the row; a field added to OutboxMessage must be added
// here and in decodeOutbox (TestOutboxCodecKeepsEveryField fails until it is).
func encodeOutbox(m persistence.OutboxMessage) []byte {
	marker := outboxExpiring
	switch {
	case m.ErrorReason != "":
		marker = outboxReasoned
	case m.Claim != "":
		marker = outboxClaimed
	case m.ErrorDetails != "":
		marker = outboxDetailed
	case len(m.Retracted) > 0 || m.Transient > 0:
		marker = outboxCounted
	}
	h := newBinHeader(marker, 168+len(m.Request))
	h.str(m.ID)
	h.str(m.TenantID)
	h.str(m.ConversationID)
	h.str(m.PhoneNumberID)
	h.str(m.Recipient)
	h.str(string(m.State))
	h.str(m.WAMID)
	h.int(int64(m.Attempts))
	h.time(m.NextAttemptAt.UTC())
	h.int(int64(m.ErrorCode))
	h.str(m.ErrorTitle)
	h.time(m.CreatedAt.UTC())
	h.time(m.UpdatedAt.UTC())
	h.time(m.ExpiresAt.UTC())
	if marker >= outboxCounted {
		h.int(int64(m.Transient))
		h.uint(uint64(len(m.Retracted)))
		for _, w := range m.Retracted {
			h.str(w)
		}
	}
	if marker >= outboxDetailed {
		h.str(m.ErrorDetails)
	}
	if marker >= outboxClaimed {
		h.str(m.Claim)
	}
	if marker == outboxReasoned {
		h.str(m.ErrorReason)
	}
	return append(h.b, m.Request...)
}

// retractedOf reads the retracted wamids of an outboxRetracting header.
func retractedOf(r *binReader) []string {
	n := r.uint()
	if n > uint64(len(r.b)) { // each takes at least a byte: a count beyond is corrupt
		r.fail()
		return nil
	}
	out := make([]string, 0, n)
	for range n {
		out = append(out, r.str())
	}
	return out
}

var errEmptyOutboxRow = errors.New("empty outbox row")

// decodeOutbox decodes a stored row; withRequest false skips copying the request body (a
// state check or a prune needs the header only).
func decodeOutbox(v []byte, withRequest bool) (persistence.OutboxMessage, error) {
	var m persistence.OutboxMessage
	switch {
	case len(v) == 0:
		return m, errEmptyOutboxRow
	case v[0] >= outboxBinary && v[0] <= outboxReasoned:
		r := &binReader{b: v[1:]}
		m = persistence.OutboxMessage{
			ID: r.str(), TenantID: r.str(), ConversationID: r.str(), PhoneNumberID: r.str(), Recipient: r.str(),
			State: persistence.OutboxState(r.str()), WAMID: r.str(), Attempts: int(r.int()), NextAttemptAt: r.time(),
			ErrorCode: int(r.int()), ErrorTitle: r.str(), CreatedAt: r.time(), UpdatedAt: r.time(),
		}
		if v[0] != outboxBinary {
			m.ExpiresAt = r.time()
		}
		if v[0] >= outboxCounted {
			m.Transient = int(r.int())
		}
		if v[0] >= outboxRetracting {
			m.Retracted = retractedOf(r)
		}
		if v[0] >= outboxDetailed {
			m.ErrorDetails = r.str()
		}
		if v[0] >= outboxClaimed {
			m.Claim = r.str()
		}
		if v[0] == outboxReasoned {
			m.ErrorReason = r.str()
		}
		var err error
		m.Request, err = dataOf(r, withRequest)
		return m, err
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
// are: ListByState serves recovery and rescans of pending messages (PendingStates), and
// indexing sent and failed rows too cost a page write per send and an index that grew with
// every message until pruned.
func pendingState(s persistence.OutboxState) bool {
	return slices.Contains(persistence.PendingStates, s)
}
