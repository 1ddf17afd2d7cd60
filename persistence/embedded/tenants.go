package embedded

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

func (d directory) CreateTenant(ctx context.Context, t persistence.Tenant) error {
	t.CreatedAt, t.UpdatedAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	val, err := encode(t)
	if err != nil {
		return fmt.Errorf("embedded: create tenant: %w", err)
	}
	return d.s.batch(ctx, "create tenant", func(tx *txn) error {
		tenants, byPhone := bucket(tx, bucketTenants), bucket(tx, bucketTenantsByPhone)
		if tenants.Get([]byte(t.ID)) != nil {
			return fmt.Errorf("tenant id %q: %w", t.ID, persistence.ErrConflict)
		}
		puts := []put{
			{tenants, []byte(t.ID), val},
			{bucket(tx, bucketTenantsOrder), orderKey(t.CreatedAt, t.ID), nil},
		}
		if t.PhoneNumberID != "" {
			if owner := byPhone.Get([]byte(t.PhoneNumberID)); owner != nil {
				return fmt.Errorf("phone number id %q belongs to tenant %q: %w", t.PhoneNumberID, owner, persistence.ErrConflict)
			}
			puts = append(puts, put{byPhone, []byte(t.PhoneNumberID), []byte(t.ID)})
		}
		return putAll(puts...)
	})
}

// UpdateTenant moves the phone-number and order index entries along with the tenant, all in
// one transaction, so a lookup never sees a number owned by two tenants or by none.
func (d directory) UpdateTenant(ctx context.Context, t persistence.Tenant) error {
	t.CreatedAt, t.UpdatedAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	val, err := encode(t)
	if err != nil {
		return fmt.Errorf("embedded: update tenant: %w", err)
	}
	return d.s.batch(ctx, "update tenant", func(tx *txn) error {
		tenants, byPhone, order := bucket(tx, bucketTenants), bucket(tx, bucketTenantsByPhone), bucket(tx, bucketTenantsOrder)
		var old persistence.Tenant
		if err := tenantByID(tx, t.ID, &old); err != nil {
			return err
		}
		if t.PhoneNumberID != "" {
			owner := byPhone.Get([]byte(t.PhoneNumberID))
			if owner != nil && string(owner) != t.ID {
				return fmt.Errorf("phone number id %q belongs to tenant %q: %w", t.PhoneNumberID, owner, persistence.ErrConflict)
			}
		}
		if old.PhoneNumberID != "" && old.PhoneNumberID != t.PhoneNumberID {
			if err := byPhone.Delete([]byte(old.PhoneNumberID)); err != nil {
				return err
			}
		}
		if err := order.Delete(orderKey(old.CreatedAt, old.ID)); err != nil {
			return err
		}
		puts := []put{
			{tenants, []byte(t.ID), val},
			{order, orderKey(t.CreatedAt, t.ID), nil},
		}
		if t.PhoneNumberID != "" {
			puts = append(puts, put{byPhone, []byte(t.PhoneNumberID), []byte(t.ID)})
		}
		return putAll(puts...)
	})
}

func (d directory) MarkNeedsReauth(ctx context.Context, tenantID string, needsReauth bool, token *persistence.SealedSecret, at time.Time) (bool, error) {
	var applied bool
	err := d.s.batch(ctx, "mark tenant needs reauth", func(tx *txn) error {
		applied = false // a write may run more than once; only the answered run counts
		var t persistence.Tenant
		if err := tenantByID(tx, tenantID, &t); err != nil {
			return err
		}
		if token != nil && !t.AccessToken.Equal(*token) {
			return nil
		}
		t.NeedsReauth, t.UpdatedAt = needsReauth, at.UTC()
		val, err := encode(t)
		if err != nil {
			return err
		}
		applied = true
		return putAll(put{bucket(tx, bucketTenants), []byte(t.ID), val})
	})
	return applied, err
}

func (d directory) TenantByID(ctx context.Context, id string) (persistence.Tenant, error) {
	var t persistence.Tenant
	err := d.s.view(ctx, "tenant by id", func(tx *txn) error {
		return tenantByID(tx, id, &t)
	})
	return t, err
}

func (d directory) TenantByPhoneNumberID(ctx context.Context, phoneNumberID string) (persistence.Tenant, error) {
	var t persistence.Tenant
	err := d.s.view(ctx, "tenant by phone number id", func(tx *txn) error {
		id := bucket(tx, bucketTenantsByPhone).Get([]byte(phoneNumberID))
		if id == nil {
			return fmt.Errorf("phone number id %q: %w", phoneNumberID, persistence.ErrNotFound)
		}
		return tenantByID(tx, string(id), &t)
	})
	return t, err
}

func tenantByID(tx *txn, id string, t *persistence.Tenant) error {
	ok, err := get(bucket(tx, bucketTenants), []byte(id), t)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("tenant %q: %w", id, persistence.ErrNotFound)
	}
	return nil
}

func (d directory) ListTenants(ctx context.Context, p persistence.Page) ([]persistence.Tenant, int, error) {
	var (
		tenants []persistence.Tenant
		total   int
	)
	err := d.s.view(ctx, "list tenants", func(tx *txn) error {
		ids, n := pageIDs(bucket(tx, bucketTenantsOrder), nil, p)
		total = n
		tenants = make([]persistence.Tenant, 0, len(ids))
		for _, id := range ids {
			var t persistence.Tenant
			if err := tenantByID(tx, id, &t); err != nil {
				return err
			}
			tenants = append(tenants, t)
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return tenants, total, nil
}
