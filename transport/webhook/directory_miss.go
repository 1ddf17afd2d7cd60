package webhook

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/switchboard/switchboard/internal/phone"
	"github.com/switchboard/switchboard/persistence"
)

// maxKeysAsked bounds the keys a miss remembers asking the store about; past it the memory
// starts over (a WABA's unconnected numbers are a handful, not thousands).
const maxKeysAsked = 10_000

// askedKey is a routing key the copy missed.
type askedKey struct {
	kind routeKey
	key  string
}

// keyAsked is the store's last answer for a key the routing copy did not know: none (no
// tenant has it) or the error of a store in trouble, at a time.
type keyAsked struct {
	at  time.Time
	err error
}

// A miss in a copy read before the webhook arrived is not the last word. Else a number
// connected moments before its first webhook, within refreshEvery of a reload another
// webhook caused, had its customers' messages dead-lettered as "no tenant" (the copy was too
// young to reload, and too old to know the tenant), and its first template or quality update
// likewise. The store's "no tenant" or its error stands for refreshEvery, as a reload's does,
// so a stream of webhooks for a key no tenant here has costs about one read a second per key.

// ResolveNumber is Resolve for the phone number id of a webhook that arrived at arrived; a
// miss in a copy read before then asks the store for that one number.
func (d *Directory) ResolveNumber(ctx context.Context, phoneNumberID string, arrived time.Time) (tenantRef, bool, error) {
	ref, ok, err := d.Resolve(ctx, byPhoneNumberID, phoneNumberID)
	if err != nil || ok {
		return ref, ok, err
	}
	loaded, ask, err := d.missed(byPhoneNumberID, phoneNumberID, arrived)
	if !ask {
		return tenantRef{}, false, err
	}
	t, err := d.dir.TenantByPhoneNumberID(ctx, phoneNumberID)
	if err != nil {
		if !errors.Is(err, persistence.ErrNotFound) {
			err = fmt.Errorf("webhook: look up phone number id %q: %w", phoneNumberID, err)
		} else {
			err = nil
		}
		d.remember(byPhoneNumberID, phoneNumberID, err)
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

// ResolveWABASince is every tenant of a WABA id (resolve) for an event that arrived at
// arrived, and ResolveDisplaySince the tenant of a display number: a miss in a copy read before then
// reloads the copy, since the store has no point read for these keys. They name template,
// account and quality updates, rare beside messages, so a reload per unknown key per
// refreshEvery is cheap.
func (d *Directory) ResolveWABASince(ctx context.Context, wabaID string, arrived time.Time) ([]tenantRef, error) {
	return d.resolveSince(ctx, byWABAID, wabaID, arrived)
}

// ResolveDisplaySince: see ResolveWABASince.
func (d *Directory) ResolveDisplaySince(ctx context.Context, displayNumber string, arrived time.Time) (tenantRef, bool, error) {
	ts, err := d.resolveSince(ctx, byDisplayNumber, phone.Digits(displayNumber), arrived)
	if err != nil || len(ts) == 0 {
		return tenantRef{}, false, err
	}
	return ts[0], true, nil
}

func (d *Directory) resolveSince(ctx context.Context, kind routeKey, key string, arrived time.Time) ([]tenantRef, error) {
	ts, err := d.resolve(ctx, kind, key)
	if err != nil || len(ts) > 0 {
		return ts, err
	}
	_, ask, err := d.missed(kind, key, arrived)
	if !ask {
		return nil, err
	}
	err = d.reload(ctx, func(loaded, _ time.Time) bool { return !loaded.Before(arrived) })
	d.remember(kind, key, err)
	if err != nil {
		return nil, err
	}
	return d.lookup(kind, key), nil
}

// missed decides whether a miss asks the store: not when the copy (read at loaded) was read
// after the webhook arrived, nor when the store answered for this key within refreshEvery
// (its answer, err, stands).
func (d *Directory) missed(kind routeKey, key string, arrived time.Time) (loaded time.Time, ask bool, err error) {
	now := d.now()
	d.mu.RLock()
	defer d.mu.RUnlock()
	asked, wasAsked := d.keysAsked[askedKey{kind, key}]
	switch {
	case !d.loadedAt.Before(arrived):
		return d.loadedAt, false, nil
	case wasAsked && now.Sub(asked.at) < refreshEvery:
		return d.loadedAt, false, asked.err
	}
	return d.loadedAt, true, nil
}

// remember records the store's answer for a key the copy missed: nil (no tenant) or an error.
func (d *Directory) remember(kind routeKey, key string, err error) {
	now := d.now()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.keysAsked == nil || len(d.keysAsked) >= maxKeysAsked {
		d.keysAsked = map[askedKey]keyAsked{}
	}
	d.keysAsked[askedKey{kind, key}] = keyAsked{at: now, err: err}
}
