package webhook

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// maxNumbersAsked bounds the numbers ResolveNumber remembers asking the store about; past it
// the memory starts over (a WABA's unconnected numbers are a handful, not thousands).
const maxNumbersAsked = 10_000

// numberAsked is the store's last answer for a number the routing copy did not know: none
// (no tenant has it) or the error of a store in trouble, at a time.
type numberAsked struct {
	at  time.Time
	err error
}

// ResolveNumber is Resolve for the phone number id of a webhook that arrived at arrived.
// A miss in a copy read before the webhook arrived is not the last word: the store is asked
// for that number. Else a number connected moments before its first webhook, within
// refreshEvery of a reload another webhook caused, had its customers' messages dead-lettered
// as "no tenant" (the copy was too young to reload, and too old to know the tenant). The
// store's "no tenant" or its error stands for refreshEvery, as a reload's does, so a stream
// of webhooks for a number connected elsewhere costs about one read a second per number.
func (d *Directory) ResolveNumber(ctx context.Context, phoneNumberID string, arrived time.Time) (tenantRef, bool, error) {
	ref, ok, err := d.Resolve(ctx, byPhoneNumberID, phoneNumberID)
	if err != nil || ok {
		return ref, ok, err
	}
	now := d.now()
	d.mu.RLock()
	loaded := d.loadedAt
	asked, wasAsked := d.numbersAsked[phoneNumberID]
	d.mu.RUnlock()
	switch {
	case !loaded.Before(arrived):
		return tenantRef{}, false, nil // the copy was read after the webhook came
	case wasAsked && now.Sub(asked.at) < refreshEvery:
		return tenantRef{}, false, asked.err // the store answered just now
	}
	t, err := d.dir.TenantByPhoneNumberID(ctx, phoneNumberID)
	if err != nil {
		if !errors.Is(err, persistence.ErrNotFound) {
			err = fmt.Errorf("webhook: look up phone number id %q: %w", phoneNumberID, err)
		} else {
			err = nil
		}
		d.mu.Lock()
		if d.numbersAsked == nil || len(d.numbersAsked) >= maxNumbersAsked {
			d.numbersAsked = map[string]numberAsked{}
		}
		d.numbersAsked[phoneNumberID] = numberAsked{at: now, err: err}
		d.mu.Unlock()
		return tenantRef{}, false, err
	}
	ref = tenantRef{ID: t.ID, Active: t.Active}
	d.mu.Lock()
	// The copy learns the number until its next reload, so later webhooks for it hit; unless
	// a reload swapped the copy during the read, which may know better (the tenant moved or
	// deactivated since). Lookups hand out the stored slices, never the map, so setting a
	// key under the lock is safe.
	if d.loadedAt.Equal(loaded) && d.byPhoneID != nil {
		d.byPhoneID[phoneNumberID] = []tenantRef{ref}
	}
	d.mu.Unlock()
	return ref, true, nil
}
