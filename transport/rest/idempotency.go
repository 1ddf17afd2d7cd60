package rest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	json "github.com/goccy/go-json"
	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/internal/ids"
	"github.com/switchboard/switchboard/persistence"
	"github.com/switchboard/switchboard/transport/graph"
	"github.com/switchboard/switchboard/transport/httpx"
)

// A client that lost the answer to a send cannot tell whether the message was accepted; sent
// again, it would reach the customer twice. A send naming itself with an Idempotency-Key
// header (the IETF httpapi draft's name, as Stripe uses it) takes the message id the key
// names within its tenant (ids.Keyed). Sent again with the same key, the outbox already holds
// that id: the answer is the message as it stands, 202 with Idempotent-Replayed: true, and
// nothing is stored or sent again. The same key on a different message is a 422. The key
// lasts as long as the outbox keeps the message (OUTBOX_RETENTION).
const (
	idempotencyHeader = "Idempotency-Key"
	replayedHeader    = "Idempotent-Replayed"
	// maxIdempotencyKey is Stripe's limit; a UUID or a client's own message id fits.
	maxIdempotencyKey = 255
)

// idempotencyDetail validates the request's key: absent, or one header of 1–255 visible
// ASCII characters (spaces allowed inside). Peek cannot tell an empty header from none, and
// an empty key is a client's bug, not a send without a key: PeekAll sees the header.
func idempotencyDetail(ctx *fasthttp.RequestCtx) []httpx.Detail {
	keys := ctx.Request.Header.PeekAll(idempotencyHeader)
	switch {
	case len(keys) == 0:
		return nil
	case len(keys) > 1:
		return []httpx.Detail{{Field: idempotencyHeader, Message: "must be sent once"}}
	case len(keys[0]) == 0:
		return []httpx.Detail{{Field: idempotencyHeader, Message: "must not be empty; leave the header out to send without a key"}}
	}
	key := keys[0]
	if len(key) > maxIdempotencyKey {
		return []httpx.Detail{{Field: idempotencyHeader, Message: fmt.Sprintf("must be at most %d characters", maxIdempotencyKey)}}
	}
	for _, c := range key {
		if c < 0x20 || c > 0x7e {
			return []httpx.Detail{{Field: idempotencyHeader, Message: "must be printable ASCII"}}
		}
	}
	return nil
}

// messageID names a new message: the id its Idempotency-Key names in the tenant, or a fresh one.
func (s *Server) messageID(ctx *fasthttp.RequestCtx, tenantID string) string {
	if key := ctx.Request.Header.Peek(idempotencyHeader); len(key) > 0 {
		return ids.Keyed(tenantID, string(key))
	}
	return s.opts.IDs.New()
}

// replayed answers a send whose Idempotency-Key names a message already in the outbox, before
// anything is checked: a repeated call gets the first call's answer even if the tenant could
// not send now (a window since closed, a pause). compose builds the message's Graph request
// on a recipient; the recipient is left out of the comparison (actors.SameRequest), opts'
// validity is in it. q, when not nil, is the message the send quotes, not resolved yet: the
// repeat is the first try's request if it names the same message, whatever that message's
// wamid is now (sameQuoting). It reports whether it answered. A repeat racing the first try
// is caught by the tenant instead, whose insert then conflicts (actors.QueueOutbound answers
// Queued.Replay).
func (s *Server) replayed(ctx *fasthttp.RequestCtx, c context.Context, tenantID, key string, opts sendOptions,
	compose func(*graph.SendRequest) *graph.SendRequest, q *quoted) bool {
	if len(ctx.Request.Header.Peek(idempotencyHeader)) == 0 {
		return false
	}
	id := s.messageID(ctx, tenantID)
	stored, err := s.opts.Store.Outbox().Get(c, id)
	switch {
	case errors.Is(err, persistence.ErrNotFound), err == nil && actors.Withdrawn(stored):
		return false // new, or never accepted: the tenant revives a withdrawn row
	case err != nil:
		s.fail(ctx, fmt.Errorf("rest: read %s for an Idempotency-Key: %w", id, err))
		return true
	}
	now := time.Now().UTC()
	row := persistence.OutboxMessage{ID: id, TenantID: tenantID, ConversationID: actors.ConversationID(tenantID, key),
		CreatedAt: now, ExpiresAt: opts.expiresAt(now)}
	same, err := s.sameQuoting(c, stored, row, compose, q)
	switch {
	case err != nil:
		s.fail(ctx, err)
	case !same:
		s.fail(ctx, idempotencyReused())
	default:
		s.answerReplay(ctx, c, stored)
	}
	return true
}

// sameQuoting reports whether stored is the message row asks for, its request composed as
// the client asked for it now. A send quoting a message by our id (q) went out naming the
// wamid that message had then: the repeat is the same request if it names the same message,
// so it is compared under each wamid that message has had (sent again since, its first
// wamid is retracted), and not under the one the id resolves to now — which is another after
// a resend, or none once the message left its conversation's last 1,024. A repeat naming
// another message matches under none of them, and stays a 422. Only a message known nowhere
// any more is resolved as a first try is, and refused as that would be.
func (s *Server) sameQuoting(c context.Context, stored, row persistence.OutboxMessage,
	compose func(*graph.SendRequest) *graph.SendRequest, q *quoted) (bool, error) {
	_, key, _ := actors.ParseConversationID(row.ConversationID)
	wamids := []string{""}
	switch {
	case q != nil && q.byWAMID():
		wamids = []string{q.ref}
	case q != nil:
		past, err := q.pastWAMIDs(c, s, row.TenantID, key)
		if err != nil {
			return false, err
		}
		if len(past) == 0 {
			if err := q.resolve(c, s, row.TenantID, key); err != nil {
				return false, err
			}
			past = []string{q.wamid}
		}
		wamids = past
	}
	for _, w := range wamids {
		if q != nil {
			q.wamid = w
		}
		body, err := json.Marshal(compose(recipientRequest(nil, key)).WithCallbackData(row.ID))
		if err != nil {
			return false, fmt.Errorf("rest: encode send request: %w", err)
		}
		row.Request = body
		if actors.SameRequest(stored, row) {
			return true, nil
		}
	}
	return false, nil
}

// answerReplay answers a repeated send with its message as it stands now: the
// conversation's record, as GET /messages/:conversationId/:messageId shows it, so a retry
// after a `read` event never answers an older status. Only a record the conversation does
// not have (yet, or no longer among its last 1,024 messages) is answered from the outbox
// row, whose states are the sender's (a read message's row says sent).
func (s *Server) answerReplay(ctx *fasthttp.RequestCtx, c context.Context, stored persistence.OutboxMessage) {
	m, err := s.standing(c, stored)
	if err != nil {
		s.fail(ctx, fmt.Errorf("rest: replay %s: %w", stored.ID, err))
		return
	}
	ctx.Response.Header.Set(replayedHeader, "true")
	httpx.OK(ctx, http.StatusAccepted, "Message already accepted under this Idempotency-Key",
		map[string]any{"message": outboundView{Message: m, ConversationID: stored.ConversationID}})
}

// standing is the message of an outbox row as it stands: the conversation's record, else
// (not found, or the conversation unavailable: the replay still answers) the row's.
func (s *Server) standing(c context.Context, stored persistence.OutboxMessage) (actors.Message, error) {
	if tenantID, key, ok := actors.ParseConversationID(stored.ConversationID); ok {
		found, err := s.opts.Actors.Message(c, tenantID, key, stored.ID)
		if err == nil && found.Found && found.Message.ID == stored.ID {
			return found.Message, nil
		}
	}
	return actors.StoredOutbound(stored)
}

func idempotencyReused() error {
	return httpx.NewError(http.StatusUnprocessableEntity, httpx.CodeIdempotencyReused,
		"This Idempotency-Key was already used for a different message; use a new key for a new message")
}
