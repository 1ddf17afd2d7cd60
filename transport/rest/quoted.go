package rest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/persistence"
	"github.com/switchboard/switchboard/transport/httpx"
)

// reactionMaxAge is how old a message may be and still take a reaction: Meta does not
// deliver a reaction to an older one (it fails it with 131009; its reaction-messages page).
const reactionMaxAge = 30 * 24 * time.Hour

// maxQuotedRef bounds a replyTo or messageId before any lookup (a wamid is ~60 characters).
const maxQuotedRef = 512

// quoted is the message a send names in field — a reply's replyTo, a reaction's messageId —
// by the id a send answered or by its wamid, as GET /messages/:id/:messageId takes either.
// Meta takes only the wamid, so an id is resolved to its message's wamid before the send is
// composed. An Idempotency-Key repeat is compared before that, with the message as the client
// named it (replayed): the id's wamid may have changed since the first try. The checks on
// what the message is come after a replay too, which the first try passed.
type quoted struct {
	field, ref string
	// reaction: the send is a reaction, which Meta delivers only on a message that is not a
	// reaction itself, not deleted and at most 30 days old.
	reaction bool
	// wamid is what the send names at Meta: ref itself, or the wamid an id resolved to.
	wamid string
	found *actors.FoundMessage
}

// refDetail is the validation of ref before any lookup.
func (q *quoted) refDetail() []httpx.Detail {
	if q.ref != "" && len(q.ref) > maxQuotedRef {
		return []httpx.Detail{{Field: q.field, Message: fmt.Sprintf("must be the id or wamid of a message of the conversation (at most %d characters)", maxQuotedRef)}}
	}
	return nil
}

// byWAMID reports whether ref is a wamid (Meta's ids all start so); anything else is taken
// for the engine's id of an outbound message.
func (q *quoted) byWAMID() bool { return strings.HasPrefix(q.ref, "wamid.") }

// resolve sets wamid: ref when it is one, else the wamid of the outbound message ref names.
func (q *quoted) resolve(c context.Context, s *Server, tenantID, key string) error {
	if q.byWAMID() {
		q.wamid = q.ref
		return nil
	}
	if err := q.lookup(c, s, tenantID, key); err != nil {
		return err
	}
	q.wamid = q.found.Message.WAMID
	switch st := q.found.Message.Status; {
	case q.wamid != "":
		return nil
	case st == actors.StatusQueued || st == actors.StatusUnknown:
		// On its way (unknown: its send's outcome is being reconciled): it gets a wamid
		// once Meta answers.
		return httpx.NewError(http.StatusConflict, httpx.CodeConflict, fmt.Sprintf(
			"%s names a message Meta has not accepted yet (%s), so it has no wamid to name; retry once it is sent", q.field, st))
	default:
		return httpx.Validation(httpx.Detail{Field: q.field, Message: fmt.Sprintf("names a message that never reached Meta (%s)", st)})
	}
}

// pastWAMIDs is every wamid the outbound message ref names (by our id) has had, as its
// outbox row and its conversation's record know them: the one it has, and those of attempts
// Meta failed before the engine sent it again (retracted). The row outlives the record's
// lookup window (the last 1,024 messages), and the record the row (OUTBOX_RETENTION). Empty
// when neither knows the message, in this conversation.
func (q *quoted) pastWAMIDs(c context.Context, s *Server, tenantID, key string) ([]string, error) {
	var out []string
	add := func(current string, retracted []string) {
		for _, w := range append([]string{current}, retracted...) {
			if w != "" && !slices.Contains(out, w) {
				out = append(out, w)
			}
		}
	}
	row, err := s.opts.Store.Outbox().Get(c, q.ref)
	switch {
	case err == nil && row.TenantID == tenantID && row.ConversationID == actors.ConversationID(tenantID, key):
		add(row.WAMID, row.Retracted)
	case err != nil && !errors.Is(err, persistence.ErrNotFound):
		return nil, fmt.Errorf("rest: %s %s: outbox row: %w", q.field, q.ref, err)
	}
	found, err := s.opts.Actors.Message(c, tenantID, key, q.ref)
	if err != nil {
		return nil, fmt.Errorf("rest: %s %s: %w", q.field, q.ref, err)
	}
	if found.Found {
		q.found = found // lookup's read (ref is our id here): resolve and check take it from here
		if found.Message.ID == q.ref && found.Message.Direction == actors.Outbound {
			add(found.Message.WAMID, found.Message.RetractedWAMIDs)
		}
	}
	return out, nil
}

// lookup finds ref among the conversation's own messages (its last 1,024): Meta's wamids
// are not secret (they travel in every webhook and receipt), and without this an agent could
// have the tenant's number react to or quote, in this customer's chat, a message of another
// conversation — another tenant's included.
func (q *quoted) lookup(c context.Context, s *Server, tenantID, key string) error {
	if q.found != nil {
		return nil
	}
	found, err := s.opts.Actors.Message(c, tenantID, key, q.ref)
	if err != nil {
		return fmt.Errorf("rest: %s %s: %w", q.field, q.ref, err)
	}
	if !found.Found || (q.byWAMID() && found.Message.WAMID != q.ref) {
		return httpx.Validation(httpx.Detail{Field: q.field,
			Message: "is not the id or wamid of a message of this conversation (one of its last 1,024 messages)"})
	}
	q.found = found
	return nil
}

// check is what the message must be for the send, after a replay was ruled out.
func (q *quoted) check(c context.Context, s *Server, tenantID, key string, now time.Time) error {
	if err := q.lookup(c, s, tenantID, key); err != nil {
		return err
	}
	if !q.reaction {
		return nil
	}
	m := q.found.Message
	refuse := func(why string) error {
		// A customer who changed number is the first thing to know: no reaction, on any
		// message, goes to the number they gave up (the tenant would refuse it next).
		if sum, err := s.opts.Actors.Conversation(c, tenantID, key); err == nil {
			if err := actors.NumberChanged(sum); err != nil {
				return err
			}
		}
		return httpx.Validation(httpx.Detail{Field: q.field, Message: why + "; WhatsApp does not deliver a reaction to it (131009)"})
	}
	switch {
	case m.Type == "reaction":
		return refuse("is a reaction")
	case !m.RevokedAt.IsZero():
		return refuse("was deleted by the customer")
	case !m.Timestamp.IsZero() && now.Sub(m.Timestamp) > reactionMaxAge:
		return refuse("is more than 30 days old")
	}
	return nil
}
