package webhook

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/internal/ids"
	"github.com/switchboard/switchboard/persistence"
)

// placeStatuses delivers the statuses a conversation answered back as unplaced
// (actors.DeliverResult.Unplaced): they name, as biz_opaque_callback_data, an id that
// conversation has no message for. A status is routed by its recipient (wa_id, the alias
// the tenant learnt for a BSUID, the contacts block), and a customer known by two keys has
// two conversations: one keyed by their BSUID, where the business answered them before
// their number was known, and one keyed by the number. The callback data names the message
// (WHATSAPP.md §1.3: correlate without the wamid), so its outbox row names the conversation
// that holds it: one point read per message id, only for statuses the routed conversation
// could not place (every status of a message it has costs nothing more).
//
//   - The row is the tenant's, in another conversation: the statuses go there, Placed.
//   - In the routed conversation itself (a record a crash lost, or a message older than
//     the conversation's index): they go back there Placed, and it holds them.
//   - No row (another app on the same WABA that sets callback data, or a row retention
//     pruned), or an id not of our shape: not ours. They go back to the routed conversation
//     without the callback data, as any status of a message the engine did not send: a
//     conversation that exists holds them for a short while, one that does not stays
//     unmade (no empty conversation in the inbox).
//
// It runs inside the routed conversation's job, so the entry is marked processed only once
// both deliveries are durable; a failure or a crash in between has the whole job run
// again, and every step repeats without effect (the routed conversation holds nothing it
// answered back, the target dedupes statuses by rank and held ones by wamid and status).
// The target's share skips its own lane: statuses commute (applied by rank, whatever order
// they arrive in), so the order of lanes does not matter to them.
func (p *Processor) placeStatuses(ctx context.Context, tenantID, phoneNumberID, from string, since time.Time, sts []actors.StatusUpdate) (*actors.DeliverResult, error) {
	owners := map[string]string{} // message id → contact key of its conversation, "" not ours
	deliveries := map[string]*actors.Deliver{}
	var order []string
	for _, st := range sts {
		key, seen := owners[st.CallbackData]
		if !seen {
			var err error
			if key, err = p.ownerOf(ctx, tenantID, st.CallbackData); err != nil {
				return nil, err
			}
			owners[st.CallbackData] = key
		}
		if key == "" {
			st.CallbackData, key = "", from
		} else {
			st.Placed = true
		}
		d, ok := deliveries[key]
		if !ok {
			d = &actors.Deliver{TenantID: tenantID, PhoneNumberID: phoneNumberID, Since: since}
			deliveries[key] = d
			order = append(order, key)
		}
		d.Statuses = append(d.Statuses, st)
	}
	var total actors.DeliverResult
	for _, key := range order {
		res, err := p.client.Deliver(ctx, key, deliveries[key])
		if err != nil {
			return nil, err
		}
		total.StatusesApplied += res.StatusesApplied
		total.StatusesHeld += res.StatusesHeld
		total.StatusesIgnored += res.StatusesIgnored + len(res.Unplaced) // none: every one is Placed or has no callback data
	}
	return &total, nil
}

// ownerOf is the contact key of the conversation holding the tenant's message id, "" when
// id is not one of the tenant's messages.
func (p *Processor) ownerOf(ctx context.Context, tenantID, id string) (string, error) {
	if !ids.Valid(id) {
		return "", nil // not our ids' shape: another app's callback data
	}
	row, err := p.store.Outbox().Get(ctx, id)
	if errors.Is(err, persistence.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("webhook: outbox row of status callback %s: %w", id, err)
	}
	if row.TenantID != tenantID {
		return "", nil
	}
	rowTenant, key, ok := actors.ParseConversationID(row.ConversationID)
	if !ok || rowTenant != tenantID {
		return "", nil
	}
	return key, nil
}
