package mongo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	mongodrv "go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/switchboard/switchboard/persistence"
)

// A tenant's phone number id is unique through tenant_phone_numbers, whose _id is the phone
// number id: a claim is one insert, and the _id index (the one index every server enforces)
// makes two claims of one number impossible. There are no transactions, so a claim and the
// tenant document are written one after the other, in this order:
//
//  1. claim the new number (insert a claim naming the tenant);
//  2. write the tenant;
//  3. release the number the tenant held before (delete its claim, if still the tenant's).
//
// A crash after 1 leaves a claim for a tenant that does not hold the number; a crash after 2
// leaves the old number claimed by a tenant that no longer holds it. Neither misleads a
// reader, because a claim only counts when the tenant it names holds the number too
// (TenantByPhoneNumberID checks both). Neither blocks the number for good either: a claim
// whose tenant does not hold the number is stale once it is older than claimLease, and the
// next claimant deletes it and claims anew. The lease, far longer than any
// create or update takes, keeps a claimant from taking over a claim whose writer is between
// steps 1 and 2 right now (it would see a tenant not yet holding the number). Each tenant
// has one writer (its tenant actor), so a tenant's own updates never race each other.
const claimLease = time.Minute

// phoneClaim is one tenant_phone_numbers document.
type phoneClaim struct {
	PhoneNumberID string    `bson:"_id"`
	TenantID      string    `bson:"tenantId"`
	ClaimedAt     time.Time `bson:"claimedAt"`
}

func (d directory) CreateTenant(ctx context.Context, t persistence.Tenant) error {
	const op = "create tenant"
	ctx, cancel, err := d.s.begin(ctx, op)
	if err != nil {
		return err
	}
	defer cancel()
	claimed := false
	if t.PhoneNumberID != "" {
		if claimed, err = d.claim(ctx, t.PhoneNumberID, t.ID); err != nil {
			return d.s.fail(op, err)
		}
	}
	if _, err := d.s.tenants.InsertOne(ctx, t); err != nil {
		if claimed {
			// The id was taken (or the write failed): give back the number we just claimed.
			// An existing tenant t.ID that holds this number had its claim already, so
			// claimed is false then and its claim stays.
			err = errors.Join(err, d.release(ctx, t.PhoneNumberID, t.ID))
		}
		return d.s.fail(op, err)
	}
	return nil
}

func (d directory) UpdateTenant(ctx context.Context, t persistence.Tenant) error {
	const op = "update tenant"
	ctx, cancel, err := d.s.begin(ctx, op)
	if err != nil {
		return err
	}
	defer cancel()
	var old persistence.Tenant
	if err := d.s.tenants.FindOne(ctx, byID(t.ID)).Decode(&old); err != nil {
		return d.s.fail(op, err)
	}
	claimed := false
	// Claiming a number the tenant holds already writes nothing, and repairs a claim lost
	// to a crash; updates are rare enough to afford the extra round trips.
	if t.PhoneNumberID != "" {
		if claimed, err = d.claim(ctx, t.PhoneNumberID, t.ID); err != nil {
			return d.s.fail(op, err)
		}
	}
	res, err := d.s.tenants.ReplaceOne(ctx, byID(t.ID), t)
	if err == nil && res.MatchedCount == 0 {
		err = fmt.Errorf("tenant %q: %w", t.ID, persistence.ErrNotFound)
	}
	if err != nil {
		if claimed {
			err = errors.Join(err, d.release(ctx, t.PhoneNumberID, t.ID))
		}
		return d.s.fail(op, err)
	}
	if old.PhoneNumberID != "" && old.PhoneNumberID != t.PhoneNumberID {
		if err := d.release(ctx, old.PhoneNumberID, t.ID); err != nil {
			// The tenant is written; the leftover claim is stale and will be taken over.
			return d.s.fail(op+": release old phone number", err)
		}
	}
	return nil
}

// MarkNeedsReauth updates the flag in place: the filter carries the token condition, so the
// check and the write are one operation and a concurrent token change wins.
func (d directory) MarkNeedsReauth(ctx context.Context, tenantID string, needsReauth bool, token *persistence.SealedSecret, at time.Time) (bool, error) {
	const op = "mark tenant needs reauth"
	ctx, cancel, err := d.s.begin(ctx, op)
	if err != nil {
		return false, err
	}
	defer cancel()
	filter := byID(tenantID)
	if token != nil {
		filter = append(filter, bson.E{Key: "accessToken", Value: *token})
	}
	update := bson.D{{Key: "$set", Value: bson.D{{Key: "needsReauth", Value: true}, {Key: "updatedAt", Value: at.UTC()}}}}
	if !needsReauth {
		// Unset rather than false: the field is omitempty, as a tenant written whole stores it.
		update = bson.D{
			{Key: "$unset", Value: bson.D{{Key: "needsReauth", Value: ""}}},
			{Key: "$set", Value: bson.D{{Key: "updatedAt", Value: at.UTC()}}},
		}
	}
	res, err := d.s.tenants.UpdateOne(ctx, filter, update)
	if err != nil {
		return false, d.s.fail(op, err)
	}
	if res.MatchedCount > 0 {
		return true, nil
	}
	n, err := d.s.tenants.CountDocuments(ctx, byID(tenantID))
	switch {
	case err != nil:
		return false, d.s.fail(op, err)
	case n == 0:
		return false, d.s.fail(op, fmt.Errorf("tenant %q: %w", tenantID, persistence.ErrNotFound))
	}
	return false, nil // the stored token is another one
}

// claim makes phoneNumberID tenantID's, reporting whether it wrote a claim (false when the
// tenant held it already). ErrConflict when another tenant holds the number or may be about
// to (a fresh claim).
func (d directory) claim(ctx context.Context, phoneNumberID, tenantID string) (bool, error) {
	// Milliseconds, as stored, so the takeover filter below can match a claim's time exactly.
	mine := phoneClaim{PhoneNumberID: phoneNumberID, TenantID: tenantID, ClaimedAt: time.Now().UTC().Truncate(time.Millisecond)}
	// Each retry follows a claim that changed under us (released or taken over); two are
	// plenty unless claims churn, and then a conflict is a fair answer.
	for range 3 {
		_, err := d.s.phoneNumbers.InsertOne(ctx, mine)
		if err == nil {
			return true, nil
		}
		if !isDuplicate(err) {
			return false, err
		}
		var cur phoneClaim
		err = d.s.phoneNumbers.FindOne(ctx, byID(phoneNumberID)).Decode(&cur)
		if errors.Is(err, mongodrv.ErrNoDocuments) {
			continue // released since our insert: try again
		}
		if err != nil {
			return false, err
		}
		if cur.TenantID == tenantID {
			return false, nil
		}
		holds, err := d.holds(ctx, cur.TenantID, phoneNumberID)
		if err != nil {
			return false, err
		}
		if holds || time.Since(cur.ClaimedAt) < claimLease {
			return false, fmt.Errorf("phone number id %q is claimed by tenant %q: %w",
				phoneNumberID, cur.TenantID, persistence.ErrConflict)
		}
		// Stale: delete it, but only if it is still the claim we judged, and insert ours on
		// the next turn of the loop. The insert, not the delete, decides between two
		// claimants taking over at once (a filtered replace would not: see fence.go).
		if _, err := d.s.phoneNumbers.DeleteOne(ctx, bson.D{
			{Key: "_id", Value: phoneNumberID},
			{Key: "tenantId", Value: cur.TenantID},
			{Key: "claimedAt", Value: cur.ClaimedAt},
		}); err != nil {
			return false, err
		}
	}
	return false, fmt.Errorf("phone number id %q: claim keeps changing: %w", phoneNumberID, persistence.ErrConflict)
}

// release deletes tenantID's claim on phoneNumberID; a claim that is someone else's by now
// stays.
func (d directory) release(ctx context.Context, phoneNumberID, tenantID string) error {
	_, err := d.s.phoneNumbers.DeleteOne(ctx, bson.D{
		{Key: "_id", Value: phoneNumberID},
		{Key: "tenantId", Value: tenantID},
	})
	return err
}

// holds reports whether tenant tenantID exists and holds phoneNumberID.
func (d directory) holds(ctx context.Context, tenantID, phoneNumberID string) (bool, error) {
	var t persistence.Tenant
	err := d.s.tenants.FindOne(ctx, byID(tenantID)).Decode(&t)
	if errors.Is(err, mongodrv.ErrNoDocuments) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return t.PhoneNumberID == phoneNumberID, nil
}

func (d directory) TenantByID(ctx context.Context, id string) (persistence.Tenant, error) {
	return findOne[persistence.Tenant](ctx, d.s, "tenant by id", d.s.tenants, byID(id))
}

// TenantByPhoneNumberID follows the claim to its tenant and trusts it only if the tenant
// holds the number too (see the ordering notes at the top of this file).
func (d directory) TenantByPhoneNumberID(ctx context.Context, phoneNumberID string) (persistence.Tenant, error) {
	const op = "tenant by phone number id"
	claim, err := findOne[phoneClaim](ctx, d.s, op, d.s.phoneNumbers, byID(phoneNumberID))
	if err != nil {
		return persistence.Tenant{}, err
	}
	t, err := findOne[persistence.Tenant](ctx, d.s, op, d.s.tenants, byID(claim.TenantID))
	if err == nil && t.PhoneNumberID != phoneNumberID {
		err = fmt.Errorf("mongo: %s: %q: stale claim by tenant %q: %w", op, phoneNumberID, claim.TenantID, persistence.ErrNotFound)
	}
	if err != nil {
		return persistence.Tenant{}, err
	}
	return t, nil
}

func (d directory) ListTenants(ctx context.Context, p persistence.Page) ([]persistence.Tenant, int, error) {
	return listPage[persistence.Tenant](ctx, d.s, "list tenants", d.s.tenants, bson.D{}, p)
}
