package embedded

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// directory implements persistence.Directory; users live here, tenants in tenants.go.
type directory struct{ s *Store }

func (d directory) CreateUser(ctx context.Context, u persistence.User) error {
	u.Email = strings.ToLower(u.Email)
	u.CreatedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	val, err := encode(u)
	if err != nil {
		return fmt.Errorf("embedded: create user: %w", err)
	}
	return d.s.batch(ctx, "create user", func(tx *txn) error {
		users, byEmail := bucket(tx, bucketUsers), bucket(tx, bucketUsersByEmail)
		if users.Get([]byte(u.ID)) != nil {
			return fmt.Errorf("user id %q: %w", u.ID, persistence.ErrConflict)
		}
		if byEmail.Get([]byte(u.Email)) != nil {
			return fmt.Errorf("email %q: %w", u.Email, persistence.ErrConflict)
		}
		order := orderKey(u.CreatedAt, u.ID)
		puts := []put{
			{users, []byte(u.ID), val},
			{byEmail, []byte(u.Email), []byte(u.ID)},
			{bucket(tx, bucketUsersOrder), order, nil},
		}
		if u.TenantID != "" {
			puts = append(puts, put{bucket(tx, bucketUsersByTenant), append(prefix(u.TenantID), order...), nil})
		}
		return putAll(puts...)
	})
}

func (d directory) UserByID(ctx context.Context, id string) (persistence.User, error) {
	var u persistence.User
	err := d.s.view(ctx, "user by id", func(tx *txn) error {
		return userByID(tx, id, &u)
	})
	return u, err
}

func (d directory) SetPassword(ctx context.Context, userID, passwordHash string, at time.Time) error {
	return d.s.batch(ctx, "set password", func(tx *txn) error {
		var u persistence.User
		if err := userByID(tx, userID, &u); err != nil {
			return err
		}
		u.PasswordHash, u.UpdatedAt, u.PasswordChangedAt = passwordHash, at.UTC(), at.UTC()
		u.PasswordTag = "" // a new password: tokens name its own hash
		return putUser(tx, u)
	})
}

func (d directory) RehashPassword(ctx context.Context, userID, oldHash, newHash, tag string, at time.Time) (bool, error) {
	applied := false
	err := d.s.batch(ctx, "rehash password", func(tx *txn) error {
		var u persistence.User
		ok, err := get(bucket(tx, bucketUsers), []byte(userID), &u)
		if err != nil || !ok || u.PasswordHash != oldHash {
			return err // gone, or its password changed since oldHash was read
		}
		u.PasswordHash, u.PasswordTag, u.UpdatedAt = newHash, tag, at.UTC()
		applied = true
		return putUser(tx, u)
	})
	return applied && err == nil, err
}

func putUser(tx *txn, u persistence.User) error {
	val, err := encode(u)
	if err != nil {
		return err
	}
	return putAll(put{bucket(tx, bucketUsers), []byte(u.ID), val})
}

func (d directory) UserByEmail(ctx context.Context, email string) (persistence.User, error) {
	var u persistence.User
	err := d.s.view(ctx, "user by email", func(tx *txn) error {
		id := bucket(tx, bucketUsersByEmail).Get([]byte(strings.ToLower(email)))
		if id == nil {
			return fmt.Errorf("email %q: %w", email, persistence.ErrNotFound)
		}
		return userByID(tx, string(id), &u)
	})
	return u, err
}

func userByID(tx *txn, id string, u *persistence.User) error {
	ok, err := get(bucket(tx, bucketUsers), []byte(id), u)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("user %q: %w", id, persistence.ErrNotFound)
	}
	return nil
}

// ListUsers walks an order index (all users, or one tenant's), so paging decodes only the
// page and counting touches keys only.
func (d directory) ListUsers(ctx context.Context, tenantID string, p persistence.Page) ([]persistence.User, int, error) {
	index, pre := bucketUsersOrder, []byte(nil)
	if tenantID != "" {
		index, pre = bucketUsersByTenant, prefix(tenantID)
	}
	var (
		users []persistence.User
		total int
	)
	err := d.s.view(ctx, "list users", func(tx *txn) error {
		ids, n := pageIDs(bucket(tx, index), pre, p)
		total = n
		users = make([]persistence.User, 0, len(ids))
		for _, id := range ids {
			var u persistence.User
			if err := userByID(tx, id, &u); err != nil {
				return err
			}
			users = append(users, u)
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return users, total, nil
}

// pageIDs returns the ids of page p among the order keys under pre, and how many keys there
// are under pre in all.
func pageIDs(index bkt, pre []byte, p persistence.Page) ([]string, int) {
	skip, limit := p.Skip(), clampLimit(p.Limit)
	var ids []string
	total := 0
	c := index.Cursor()
	for k, _ := c.Seek(pre); k != nil && bytes.HasPrefix(k, pre); k, _ = c.Next() {
		if total >= skip && len(ids) < limit {
			ids = append(ids, orderKeyID(k[len(pre):]))
		}
		total++
	}
	return ids, total
}

// clampLimit keeps a page size within the 1..100 that persistence.Page documents.
func clampLimit(n int) int {
	return min(max(n, 1), 100)
}
