package actors

import (
	"log/slog"
	"strings"
	"time"

	"github.com/switchboard/switchboard/cluster"
	"github.com/switchboard/switchboard/internal/phone"
	"github.com/switchboard/switchboard/internal/workpool"
	"github.com/switchboard/switchboard/persistence"
)

// Deps is what grains need from the node.
type Deps struct {
	Store persistence.Store
	Log   *slog.Logger
	// Passivation stops a conversation grain after this long without messages.
	Passivation time.Duration
	// Now is the clock (tests move it).
	Now func() time.Time
	// OnConversation is told of every durable conversation change (the WebSocket fan-out
	// subscribes here). It must not block.
	OnConversation func(ConversationSummary)
	// OnMessages is told of every durable change of messages, one flush at a time (new
	// messages, statuses, outcomes of sends). It must not block.
	OnMessages func([]MessageEvent)
	// OnTenantFlags is told when webhooks change a tenant's flags (uninstalled app →
	// needs re-authorisation), so the directory can record it. It may block briefly.
	OnTenantFlags func(tenantID string, needsReauth bool)
	// OnTokenRejected is told when Meta rejects the tenant's token (190), with the sealed
	// token the send carried, so the directory flags the tenant unless that token was
	// replaced meanwhile. It may block briefly.
	OnTokenRejected func(tenantID string, token persistence.SealedSecret)
	// OnTenantUpdated is told when a tenant's sending state changed durably (paused,
	// resumed, re-authorisation needed or done, a restriction applied or lifted): the
	// WebSocket's tenant.updated. It must not block.
	OnTenantUpdated func(TenantUpdate)
	// OnAssigned is told of each change of a conversation's assignee once it is durable
	// (conversation.assigned; a repeat of the assignment in force changes nothing). It must
	// not block.
	OnAssigned func(ConversationAssigned)

	// Graph sends messages to Meta; nil makes tenants queue without sending.
	Graph Graph
	// Secrets opens tenants' sealed access tokens.
	Secrets Secrets
	// Outbound shapes pacing, retries and reconciliation (OUTBOUND.md).
	Outbound OutboundPolicy
	// Drain lets the node finish its sends before it stops; nil: no draining.
	Drain *Drain

	// gateClock is the clock departure gates measure their window on (departures.go): the
	// monotonic one with the real clock, since Now's UTC drops the monotonic reading and a
	// step of the wall clock forward would shorten the gate's wait by as much; Now itself
	// when a test moves the clock.
	gateClock func() time.Time

	// io runs the grains' per-message store and network calls (flushes, claims, sends,
	// settles) on long-lived goroutines; see workpool for why.
	io *workpool.Pool
}

// spawn runs fn on an IO worker (a plain goroutine for Deps built without defaults).
func (d *Deps) spawn(fn func()) {
	if d.io == nil {
		go fn()
		return
	}
	d.io.Go(fn)
}

func (d *Deps) defaults() {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Passivation <= 0 {
		d.Passivation = 2 * time.Minute
	}
	if d.Now == nil {
		d.Now = func() time.Time { return time.Now().UTC() }
		d.gateClock = time.Now
	}
	if d.gateClock == nil {
		d.gateClock = d.Now
	}
	if d.OnMessages == nil {
		d.OnMessages = func([]MessageEvent) {}
	}
	if d.OnConversation == nil {
		d.OnConversation = func(ConversationSummary) {}
	}
	if d.OnTokenRejected == nil {
		d.OnTokenRejected = func(string, persistence.SealedSecret) {}
	}
	if d.OnTenantUpdated == nil {
		d.OnTenantUpdated = func(TenantUpdate) {}
	}
	if d.OnAssigned == nil {
		d.OnAssigned = func(ConversationAssigned) {}
	}
	if d.OnTenantFlags == nil {
		d.OnTenantFlags = func(string, bool) {}
	}
	d.Outbound.defaults()
	if d.io == nil {
		d.io = workpool.New()
	}
}

// Kinds returns the grain kinds of this package, for cluster.Start.
func Kinds(d *Deps) []cluster.Kind {
	d.defaults()
	return []cluster.Kind{
		{Name: KindConversation, New: func(identity string) cluster.Grain { return newConversationGrain(d, identity) }},
		{Name: KindTenant, New: func(identity string) cluster.Grain { return newTenantGrain(d, identity) }},
	}
}

// ConversationIdentity is the grain identity of a tenant's conversation with a contact.
func ConversationIdentity(tenantID, contactKey string) string { return tenantID + "/" + contactKey }

// ConversationID is the public id of a conversation: the tenant id and the contact key
// (the wa_id, or the business-scoped user id for users without a shared phone), so it is
// stable across restarts and needs no lookup table.
func ConversationID(tenantID, contactKey string) string { return tenantID + "_" + contactKey }

// ParseConversationID splits a public conversation id; ok is false for anything malformed.
// A Brazilian or Mexican mobile written in either of the forms Meta uses for it names the
// one conversation of that line (phone.LineKey), so the key is returned in its line form.
func ParseConversationID(id string) (tenantID, contactKey string, ok bool) {
	tenantID, contactKey, ok = ConversationTenant(id)
	if !ok || !validContactKey(contactKey) {
		return "", "", false
	}
	return tenantID, phone.LineKey(contactKey), true
}

// ConversationTenant splits a public conversation id into its tenant and the rest, unchecked:
// ok reports only that the id names a tenant (an id of 24 characters before the first _).
func ConversationTenant(id string) (tenantID, rest string, ok bool) {
	tenantID, rest, ok = strings.Cut(id, "_")
	if !ok || len(tenantID) != 24 {
		return "", "", false
	}
	return tenantID, rest, true
}

// validContactKey accepts wa_ids (digits) and BSUIDs (CC.alnum), up to 140 characters.
func validContactKey(k string) bool {
	if k == "" || len(k) > 140 {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.') {
			return false
		}
	}
	return true
}

// RecipientKey reports whether a contact key can address a customer by itself, with no
// conversation to tell more: a wa_id, which is the phone number in E.164 without its + (7 to
// 15 digits: Meta's "to" must be a phone number), or a business-scoped user id (Meta's
// recipient: a two-letter country code, a dot, up to 128 letters and digits). Conversations
// keyed otherwise can only come from webhooks (validContactKey still admits their keys), so
// only a send that would start a conversation needs this.
func RecipientKey(k string) bool {
	if len(k) >= minWaID && len(k) <= maxWaID && strings.Trim(k, "0123456789") == "" {
		return true
	}
	country, id, ok := strings.Cut(k, ".")
	if !ok || len(country) != 2 || strings.Trim(country, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" || id == "" || len(id) > maxUserID {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// The lengths of the recipient keys (RecipientKey): E.164 allows 15 digits with the country
// code, and the shortest numbers in use (Niue, Tokelau) have 7; a business-scoped user id
// has up to 128 characters after its country code.
const (
	minWaID   = 7
	maxWaID   = 15
	maxUserID = 128
)

// ContactKeyOf is the key a contact's conversation uses: the wa_id's line key when known, else the
// business-scoped user id.
func ContactKeyOf(c Contact) string {
	if c.WaID != "" {
		return phone.LineKey(c.WaID)
	}
	return c.UserID
}
