package webhook

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// maxUnknownAsked bounds the numbers ResolveNumber remembers the store did not know; past it
// the memory starts over (a WABA's unconnected numbers are a handful, not thousands).
const maxUnknownAsked = 10_000

// ResolveNumber is Resolve for the phone number id of a webhook that arrived at arrived.
// A miss in a copy read before the webhook arrived is not the last word: the store is asked
// for that number. Else a number connected moments before its first webhook, within
// refreshEvery of a reload another webhook caused, had its customers' messages dead-lettered
// as "no tenant" (the copy was too young to reload, and too old to know the tenant). A number
// the store does not know is asked about again only after refreshEvery, so a stream of
// webhooks for a number connected elsewhere costs one read a second, as a reload does.
func (d *Directory) ResolveNumber(ctx context.Context, phoneNumberID string, arrived time.Time) (tenantRef, bool, error) {
	ref, ok, err := d.Resolve(ctx, byPhoneNumberID, phoneNumberID)
	if err != nil || ok {
		return ref, ok, err
	}
	now := d.now()
	d.mu.RLock()
	behind := d.loadedAt.Before(arrived)
	recent := now.Sub(d.unknownAsked[phoneNumberID]) < refreshEvery
	d.mu.RUnlock()
	if !behind || recent {
		return tenantRef{}, false, nil // the copy was read after the webhook came, or the store said so just now
	}
	t, err := d.dir.TenantByPhoneNumberID(ctx, phoneNumberID)
	switch {
	case errors.Is(err, persistence.ErrNotFound):
		d.mu.Lock()
		if d.unknownAsked == nil || len(d.unknownAsked) >= maxUnknownAsked {
			d.unknownAsked = map[string]time.Time{}
		}
		d.unknownAsked[phoneNumberID] = now
		d.mu.Unlock()
		return tenantRef{}, false, nil
	case err != nil:
		return tenantRef{}, false, fmt.Errorf("webhook: look up phone number id %q: %w", phoneNumberID, err)
	}
	ref = tenantRef{ID: t.ID, Active: t.Active}
	d.mu.Lock()
	// The copy learns the number until its next reload: later webhooks for it hit. Lookups
	// hand out the stored slices, never the map, so setting a key under the lock is safe.
	if d.byPhoneID == nil {
		d.byPhoneID = map[string][]tenantRef{}
	}
	d.byPhoneID[phoneNumberID] = []tenantRef{ref}
	d.mu.Unlock()
	return ref, true, nil
}
