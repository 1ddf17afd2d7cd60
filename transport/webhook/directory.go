package webhook

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/switchboard/switchboard/internal/phone"
	"github.com/switchboard/switchboard/persistence"
)

// refreshEvery bounds how often a miss reloads the tenant directory, so a flood of events for
// an unknown number cannot turn into a flood of store reads.
const refreshEvery = time.Second

// DirectoryMaxAge bounds how stale routing may be (README, "Limits"): a copy older than it is
// reloaded by the next webhook that uses it, so a tenant deactivated or a number moved to
// another tenant routes anew within it. It is the sender's DirectoryRefresh (the age at which
// a tenant reads its own entry again), so the two halves of a tenant agree as quickly. One
// reload (a listing of the directory) per DirectoryMaxAge at most, whatever the webhook rate.
const DirectoryMaxAge = 5 * time.Second

// tenantRef is what routing needs of a tenant.
type tenantRef struct {
	ID     string
	Active bool
}

// Directory resolves webhook routing keys to tenants from a cached copy of the directory:
// phone_number_id (messages), WABA id (template and account fields) and display number
// (phone_number_quality_update is keyed by it). Only the phone number id is unique: several
// tenants (numbers) may share a WABA, and a WABA id resolves to all of them (ResolveWABASince).
type Directory struct {
	dir persistence.Directory

	// Every key maps to the tenants it names, built once per load: a lookup hands out the
	// stored slice (shared, never written) and a webhook's routing allocates nothing.
	mu        sync.RWMutex
	byPhoneID map[string][]tenantRef
	byWABA    map[string][]tenantRef
	byDisplay map[string][]tenantRef
	loadedAt  time.Time
	// triedAt is when a reload last started, successful or not: a store that is down is asked
	// at most once per refreshEvery, and the copy at hand answers meanwhile.
	triedAt time.Time
	// loadErr is the error of the reload started at triedAt (nil once one succeeds): a miss
	// within refreshEvery of it answers it again instead of asking the store.
	loadErr error
	// reloading serialises reloads: callers that found the copy stale together read once.
	reloading sync.Mutex
	// keysAsked is the store's last answer for each key the copy missed although read
	// before the webhook came (directory_miss.go): asked again after refreshEvery, not per
	// webhook.
	keysAsked map[askedKey]keyAsked
	now       func() time.Time
}

// NewDirectory wraps the store's directory.
func NewDirectory(dir persistence.Directory) *Directory { return &Directory{dir: dir, now: time.Now} }

type routeKey int

const (
	byPhoneNumberID routeKey = iota
	byWABAID
	byDisplayNumber
)

// Resolve returns the tenant for a phone number id or display number, reloading the cache
// (at most once per refreshEvery) on a miss. ok is false when no tenant has that key. A WABA
// id may name several tenants: Resolve answers the first, resolve all of them (every tenant
// of the WABA, active or not, in directory order; the slice is shared: callers do not write
// it).
func (d *Directory) Resolve(ctx context.Context, kind routeKey, key string) (tenantRef, bool, error) {
	ts, err := d.resolve(ctx, kind, key)
	if err != nil || len(ts) == 0 {
		return tenantRef{}, false, err
	}
	return ts[0], true, nil
}

// resolve answers from the cached copy while it is younger than DirectoryMaxAge; an older
// copy is reloaded first (a reload that fails leaves the stale answer standing: routing to
// the tenant of a few seconds ago beats leaving the entry for replay). A miss reloads a copy
// older than refreshEvery, and that reload's error is the caller's; within refreshEvery of a
// reload that failed, a miss answers its error again (the entry is retried, not dead-lettered)
// without asking the store.
func (d *Directory) resolve(ctx context.Context, kind routeKey, key string) ([]tenantRef, error) {
	now := d.now()
	d.mu.RLock()
	ts := d.lookupLocked(kind, key)
	age, sinceTry := now.Sub(d.loadedAt), now.Sub(d.triedAt)
	d.mu.RUnlock()
	switch {
	case len(ts) > 0 && (age < DirectoryMaxAge || sinceTry < refreshEvery):
		return ts, nil
	case len(ts) > 0:
		if d.reload(ctx, youngerThanRefresh) != nil {
			return ts, nil
		}
	case age < refreshEvery:
		return nil, nil
	default:
		if err := d.reload(ctx, youngerThanRefresh); err != nil {
			return nil, err
		}
	}
	return d.lookup(kind, key), nil
}

func (d *Directory) lookup(kind routeKey, key string) []tenantRef {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.lookupLocked(kind, key)
}

// lookupLocked is lookup for a caller holding d.mu.
func (d *Directory) lookupLocked(kind routeKey, key string) []tenantRef {
	switch kind {
	case byPhoneNumberID:
		return d.byPhoneID[key]
	case byWABAID:
		return d.byWABA[key]
	case byDisplayNumber:
		return d.byDisplay[phone.Digits(key)]
	}
	return nil
}

// youngerThanRefresh is reload's test for a copy that needs no reload: read within
// refreshEvery of start.
func youngerThanRefresh(loaded, start time.Time) bool { return start.Sub(loaded) < refreshEvery }

// reload reads the directory again unless the copy, read at loaded by the last reload that
// succeeded, is fresh enough for the caller at start (so callers that found the copy stale
// together read once), or the last reload failed within refreshEvery (its error answers).
func (d *Directory) reload(ctx context.Context, fresh func(loaded, start time.Time) bool) error {
	d.reloading.Lock()
	defer d.reloading.Unlock()
	d.mu.Lock()
	start := d.now()
	if !d.loadedAt.Before(d.triedAt) && fresh(d.loadedAt, start) {
		d.mu.Unlock()
		return nil // a caller waiting on reloading just read it
	}
	if err := d.loadErr; err != nil && start.Sub(d.triedAt) < refreshEvery {
		d.mu.Unlock()
		return err // the store failed moments ago: asked again after refreshEvery
	}
	d.triedAt = start
	d.mu.Unlock()
	err := d.load(ctx, start)
	d.mu.Lock()
	d.loadErr = err
	d.mu.Unlock()
	return err
}

// load reads the whole directory into the copy, as of start.
func (d *Directory) load(ctx context.Context, start time.Time) error {
	byPhone, byWABA, byDisplay := map[string][]tenantRef{}, map[string][]tenantRef{}, map[string][]tenantRef{}
	for page := 1; ; page++ {
		ts, total, err := d.dir.ListTenants(ctx, persistence.Page{Page: page, Limit: 100})
		if err != nil {
			return fmt.Errorf("webhook: load tenant directory: %w", err)
		}
		for _, t := range ts {
			ref := tenantRef{ID: t.ID, Active: t.Active}
			if t.PhoneNumberID != "" {
				byPhone[t.PhoneNumberID] = []tenantRef{ref}
			}
			if t.WABAID != "" {
				byWABA[t.WABAID] = append(byWABA[t.WABAID], ref)
			}
			if t.DisplayPhoneNumber != "" {
				byDisplay[phone.Digits(t.DisplayPhoneNumber)] = []tenantRef{ref} // webhooks write display numbers digits-only
			}
		}
		if len(ts) == 0 || page*100 >= total {
			break
		}
	}
	d.mu.Lock()
	d.byPhoneID, d.byWABA, d.byDisplay, d.loadedAt = byPhone, byWABA, byDisplay, start
	d.mu.Unlock()
	return nil
}
