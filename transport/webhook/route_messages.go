package webhook

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/internal/phone"
	"github.com/switchboard/switchboard/persistence"
	"github.com/switchboard/switchboard/transport/graph"
)

// routeMessages splits a `messages` (or `user_preferences`) change by conversation and
// queues one Deliver per conversation, keeping Meta's order within each.
func (p *Processor) routeMessages(ctx context.Context, e persistence.InboxEntry, t *tracked, at string, entry graph.Entry, c graph.Change) error {
	v, err := c.MessagesValue()
	if err != nil {
		return p.deadLetter(ctx, e, at, "malformed messages value: "+err.Error(), change(entry, c))
	}
	tenant, ok, err := p.dir.ResolveNumber(ctx, v.Metadata.PhoneNumberID, e.ReceivedAt)
	if err != nil {
		return err
	}
	if !ok {
		return p.deadLetter(ctx, e, at, fmt.Sprintf("no tenant for phone_number_id %q", v.Metadata.PhoneNumberID), change(entry, c))
	}
	if !tenant.Active {
		return p.deadLetter(ctx, e, at, "tenant "+tenant.ID+" is deactivated", change(entry, c))
	}
	r := changeRouter{p: p, ctx: ctx, tenantID: tenant.ID, phoneNumberID: v.Metadata.PhoneNumberID,
		since: p.redeliverySince(e), deliveries: map[string]*actors.Deliver{}}
	// Items Meta wrote in a shape the engine does not read are kept with the change as a dead
	// letter naming them; the rest of the change goes on.
	unroutable := make([]string, 0, len(v.Malformed))
	for _, m := range v.Malformed {
		unroutable = append(unroutable, m.String())
	}
	for i := range v.Messages {
		m := &v.Messages[i]
		ct := senderContact(v, m)
		if ct.WaID == "" {
			ct.WaID = m.From
		}
		if ct.UserID == "" {
			ct.UserID = m.FromUserID
		}
		d, err := r.delivery(ct)
		if err != nil {
			return err
		}
		if d == nil {
			unroutable = append(unroutable, "message "+m.ID+" has no sender")
			continue
		}
		d.Messages = append(d.Messages, toMessage(m, m.Raw, e.ReceivedAt))
	}
	for i := range v.Statuses {
		s := &v.Statuses[i]
		ct := findContact(v.Contacts, s.RecipientID, s.RecipientUserID)
		ct.WaID, ct.UserID = firstOf(ct.WaID, s.RecipientID), firstOf(ct.UserID, s.RecipientUserID)
		d, err := r.delivery(ct)
		if err != nil {
			return err
		}
		if d == nil {
			unroutable = append(unroutable, "status of "+s.ID+" has no recipient")
			continue
		}
		d.Statuses = append(d.Statuses, toStatus(s, e.ReceivedAt))
	}
	for i := range v.UserPreferences {
		up := &v.UserPreferences[i]
		ct := findContact(v.Contacts, up.WaID, up.UserID)
		ct.WaID, ct.UserID = firstOf(ct.WaID, up.WaID), firstOf(ct.UserID, up.UserID)
		d, err := r.delivery(ct)
		if err != nil {
			return err
		}
		if d == nil {
			unroutable = append(unroutable, "user preference without user")
			continue
		}
		d.Preferences = append(d.Preferences, toPreference(up, e.ReceivedAt))
	}
	if len(unroutable) > 0 {
		if err := p.deadLetter(ctx, e, at, fmt.Sprint(unroutable), change(entry, c)); err != nil {
			return err
		}
	}
	if len(v.Errors) > 0 {
		ev := actors.TenantEvent{Field: "messages.errors", WABAID: entry.ID, Time: e.ReceivedAt, Raw: c.Value}
		for _, ge := range v.Errors {
			ev.Errors = append(ev.Errors, *toError(ge))
		}
		p.enqueue(t, "tenant/"+tenant.ID, dlRef{e, at + "/errors", entry, c}, func(ctx context.Context) error {
			return p.client.RecordTenantEvents(ctx, tenant.ID, []actors.TenantEvent{ev})
		})
	}
	for i, teach := range r.teach {
		p.enqueue(t, "tenant/"+tenant.ID, dlRef{e, at + "/teach" + strconv.Itoa(i), entry, c}, teach.run)
		t.jobs[len(t.jobs)-1].dropped = teach.forget
	}
	for _, key := range r.order {
		d, key := r.deliveries[key], key
		p.enqueue(t, "conversation/"+actors.ConversationIdentity(tenant.ID, key), dlRef{e, at, entry, c}, func(ctx context.Context) error {
			res, err := p.client.Deliver(ctx, key, d)
			if err == nil && len(res.Unplaced) > 0 {
				// Statuses naming a message this conversation does not have: placed by the
				// outbox row (place_statuses.go).
				var placed *actors.DeliverResult
				if placed, err = p.placeStatuses(ctx, tenant.ID, v.Metadata.PhoneNumberID, key, d.Since, res.Unplaced); err == nil {
					res.StatusesApplied += placed.StatusesApplied
					res.StatusesHeld += placed.StatusesHeld
				}
			}
			if errors.Is(err, actors.ErrInvalid) {
				// The grain refuses this delivery as such: retrying would hold the lane
				// forever. Keep it as a dead letter instead.
				return p.deadLetter(ctx, e, at+"/"+key, "conversation refused the delivery: "+err.Error(), change(entry, c))
			}
			if err == nil {
				p.stats.Messages.Add(int64(res.Added))
				p.stats.Duplicates.Add(int64(res.Duplicates))
				p.stats.Statuses.Add(int64(res.StatusesApplied + res.StatusesHeld))
			}
			return err
		})
	}
	return nil
}

// changeRouter collects one change's deliveries by conversation key, in first-seen order.
type changeRouter struct {
	p             *Processor
	ctx           context.Context
	tenantID      string
	phoneNumberID string
	since         time.Time // Deliver.Since: see redeliverySince
	deliveries    map[string]*actors.Deliver
	order         []string
	teach         []teaching
}

// delivery returns the Deliver for a contact's conversation, or nil for a contact with no
// id at all.
func (r *changeRouter) delivery(ct actors.Contact) (*actors.Deliver, error) {
	key, err := r.p.contactKey(r.ctx, r.tenantID, ct.WaID, ct.UserID, &r.teach)
	if err != nil || key == "" {
		return nil, err
	}
	d, ok := r.deliveries[key]
	if !ok {
		d = &actors.Deliver{TenantID: r.tenantID, PhoneNumberID: r.phoneNumberID, Since: r.since}
		r.deliveries[key] = d
		r.order = append(r.order, key)
	}
	if ct.Name != "" {
		d.Contact.Name = ct.Name
	}
	if ct.Username != "" {
		d.Contact.Username = ct.Username
	}
	d.Contact.WaID, d.Contact.UserID = firstOf(d.Contact.WaID, ct.WaID), firstOf(d.Contact.UserID, ct.UserID)
	return d, nil
}

// contactKey picks the conversation key: the wa_id when Meta sent one (teaching the tenant
// the user id → wa_id alias when both come together and the tenant was not taught that pair
// last: the first time, and after the user moved to a new number), else the wa_id a user id
// was last seen with, else the user id itself. A wa_id key is the number's line key
// (phone.LineKey): Meta names a Brazilian or Mexican mobile in two forms, and a send's
// statuses and the customer's replies must reach the conversation the send started.
func (p *Processor) contactKey(ctx context.Context, tenantID, waID, userID string, teach *[]teaching) (string, error) {
	if waID != "" {
		if userID != "" {
			k := tenantID + "/" + userID
			known, _ := p.aliases.get(k)
			if known.taught != waID {
				*teach = append(*teach, teaching{run: func(ctx context.Context) error {
					_, err := p.client.ResolveContact(ctx, tenantID, waID, userID)
					return err
				}, forget: func() { p.aliases.forgetTaught(k, waID) }})
			}
			p.aliases.put(k, alias{waID: waID, taught: waID})
		}
		return phone.LineKey(waID), nil
	}
	if userID == "" {
		return "", nil
	}
	k := tenantID + "/" + userID
	if v, ok := p.aliases.get(k); ok {
		return phone.LineKey(v.waID), nil
	}
	key, err := p.client.ResolveContact(ctx, tenantID, "", userID)
	if err != nil {
		return "", fmt.Errorf("webhook: resolve contact %s: %w", userID, err)
	}
	known := alias{waID: key}
	if key != userID {
		known.taught = key // the tenant answered with it: it knows
	}
	p.aliases.put(k, known)
	return phone.LineKey(key), nil
}

func findContact(cs []graph.Contact, waID, userID string) actors.Contact {
	for _, c := range cs {
		if (waID != "" && c.WaID == waID) || (userID != "" && c.UserID == userID) {
			return actors.Contact{WaID: c.WaID, UserID: c.UserID, Name: c.Profile.Name, Username: c.Profile.Username}
		}
	}
	if len(cs) == 1 && waID == "" && userID == "" {
		c := cs[0]
		return actors.Contact{WaID: c.WaID, UserID: c.UserID, Name: c.Profile.Name, Username: c.Profile.Username}
	}
	return actors.Contact{}
}

// senderContact is the contact block of message m's sender: the one naming its from (or
// BSUID), else the change's only contact when it names nobody else of the change. Meta
// warns that a user's wa_id and phone number may not match (WHATSAPP.md §1: a Brazilian or
// Mexican number written with and without its extra digit), and a messages change carries a
// contact for the user who wrote: a lone contact no one else claims is that user's. The
// conversation is then keyed by the contact's wa_id, the canonical id (a send's answer names
// the same one), and keeps the profile name. A contact that names another message's sender,
// a status's recipient (status values carry contacts since 2026) or a preference's user is
// that person's, never a contact-less message's: a user_changed_number notice batched with
// a status to someone else would otherwise land in that someone's conversation.
func senderContact(v *graph.MessagesValue, m *graph.Message) actors.Contact {
	ct := findContact(v.Contacts, m.From, m.FromUserID)
	if ct.WaID == "" && ct.UserID == "" && len(v.Contacts) == 1 && !claimed(v.Contacts[0], v) {
		c := v.Contacts[0]
		ct = actors.Contact{WaID: c.WaID, UserID: c.UserID, Name: c.Profile.Name, Username: c.Profile.Username}
	}
	return ct
}

// claimed reports whether contact c names a message's sender, a status's recipient or a
// preference's user in value v.
func claimed(c graph.Contact, v *graph.MessagesValue) bool {
	names := func(waID, userID string) bool {
		return (c.WaID != "" && c.WaID == waID) || (c.UserID != "" && c.UserID == userID)
	}
	for i := range v.Messages {
		if names(v.Messages[i].From, v.Messages[i].FromUserID) {
			return true
		}
	}
	for i := range v.Statuses {
		if names(v.Statuses[i].RecipientID, v.Statuses[i].RecipientUserID) {
			return true
		}
	}
	for i := range v.UserPreferences {
		if names(v.UserPreferences[i].WaID, v.UserPreferences[i].UserID) {
			return true
		}
	}
	return false
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
