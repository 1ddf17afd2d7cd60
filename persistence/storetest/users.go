package storetest

import (
	"slices"
	"testing"

	"github.com/switchboard/switchboard/persistence"
)

var userContracts = []contract{
	{"users/create and read by id and email", func(t *testing.T, s persistence.Store) {
		d, ctx := s.Directory(), t.Context()
		u := newUser("u1", "Ana.Admin@Example.COM", "t1", 1)
		must(t, d.CreateUser(ctx, u), "create")

		want := u
		want.Email = "ana.admin@example.com" // stored lower-cased
		got, err := d.UserByID(ctx, "u1")
		must(t, err, "by id")
		wantEqual(t, got, want, "by id")
		wantUTC(t, got.CreatedAt, "createdAt")
		for _, email := range []string{"ana.admin@example.com", "ANA.ADMIN@EXAMPLE.COM", "Ana.Admin@Example.COM"} {
			got, err := d.UserByEmail(ctx, email)
			must(t, err, "by email %q", email)
			wantEqual(t, got, want, "by email %q", email)
		}

		admin := newUser("u2", "root@example.com", "", 2)
		must(t, d.CreateUser(ctx, admin), "create platform admin")
		got, err = d.UserByID(ctx, "u2")
		must(t, err, "platform admin by id")
		wantEqual(t, got, admin, "platform admin")
	}},
	{"users/set password", func(t *testing.T, s persistence.Store) {
		d, ctx := s.Directory(), t.Context()
		u := newUser("u1", "a@example.com", "t1", 1)
		must(t, d.CreateUser(ctx, u), "create")
		must(t, d.SetPassword(ctx, "u1", "$2a$12$new-hash", at(5)), "set password")
		want := u
		want.PasswordHash, want.UpdatedAt, want.PasswordChangedAt = "$2a$12$new-hash", at(5), at(5)
		got, err := d.UserByEmail(ctx, "a@example.com")
		must(t, err, "by email after")
		wantEqual(t, got, want, "password replaced, the rest unchanged")
		wantErr(t, d.SetPassword(ctx, "nobody", "x", at(6)), persistence.ErrNotFound, "unknown user")
	}},
	{"users/rehash password", func(t *testing.T, s persistence.Store) {
		d, ctx := s.Directory(), t.Context()
		u := newUser("u1", "a@example.com", "t1", 1)
		must(t, d.CreateUser(ctx, u), "create")

		// A hash no longer stored (the password changed since it was read) is not replaced:
		// the rehash of the old password must not undo the change.
		applied, err := d.RehashPassword(ctx, "u1", "$2a$10$stale-hash", "$2a$12$rehash", "tag-old", at(5))
		wantApplied(t, applied, err, false, "rehash of a hash no longer stored")
		got, err := d.UserByID(ctx, "u1")
		must(t, err, "by id after the refused rehash")
		wantEqual(t, got, u, "refused rehash changed nothing")

		applied, err = d.RehashPassword(ctx, "u1", u.PasswordHash, "$2a$12$rehash", "tag-old", at(6))
		wantApplied(t, applied, err, true, "rehash of the stored hash")
		want := u
		// Only the hash, its session tag and UpdatedAt: the password itself did not change,
		// so PasswordChangedAt (which ends sessions) stays.
		want.PasswordHash, want.PasswordTag, want.UpdatedAt = "$2a$12$rehash", "tag-old", at(6)
		got, err = d.UserByEmail(ctx, "a@example.com")
		must(t, err, "by email after the rehash")
		wantEqual(t, got, want, "rehashed")

		// A new password has its own tag again.
		must(t, d.SetPassword(ctx, "u1", "$2a$12$new-password", at(7)), "set password after a rehash")
		want.PasswordHash, want.PasswordTag, want.UpdatedAt, want.PasswordChangedAt = "$2a$12$new-password", "", at(7), at(7)
		got, err = d.UserByID(ctx, "u1")
		must(t, err, "by id after the password change")
		wantEqual(t, got, want, "password changed after a rehash")

		applied, err = d.RehashPassword(ctx, "nobody", "x", "y", "", at(8))
		wantApplied(t, applied, err, false, "rehash of an unknown user")
	}},
	{"users/not found", func(t *testing.T, s persistence.Store) {
		d, ctx := s.Directory(), t.Context()
		must(t, d.CreateUser(ctx, newUser("u1", "a@example.com", "t1", 1)), "create")
		_, err := d.UserByID(ctx, "nobody")
		wantErr(t, err, persistence.ErrNotFound, "by id")
		_, err = d.UserByEmail(ctx, "nobody@example.com")
		wantErr(t, err, persistence.ErrNotFound, "by email")
	}},
	{"users/conflicts", func(t *testing.T, s persistence.Store) {
		d, ctx := s.Directory(), t.Context()
		first := newUser("u1", "a@example.com", "t1", 1)
		must(t, d.CreateUser(ctx, first), "create")

		cases := []struct {
			name string
			u    persistence.User
		}{
			{"same id", newUser("u1", "other@example.com", "t1", 2)},
			{"same email", newUser("u2", "a@example.com", "t1", 3)},
			{"same email, other case", newUser("u3", "A@Example.com", "t2", 4)},
		}
		for _, c := range cases {
			wantErr(t, d.CreateUser(ctx, c.u), persistence.ErrConflict, "%s", c.name)
		}
		got, err := d.UserByID(ctx, "u1")
		must(t, err, "by id after conflicts")
		wantEqual(t, got, first, "first user unchanged")
		for _, id := range []string{"u2", "u3"} {
			_, err := d.UserByID(ctx, id)
			wantErr(t, err, persistence.ErrNotFound, "conflicting user %s stored", id)
		}
		_, err = d.UserByEmail(ctx, "other@example.com")
		wantErr(t, err, persistence.ErrNotFound, "email of conflicting user stored")
	}},
	{"users/list pages, totals and tenant filter", func(t *testing.T, s persistence.Store) {
		d, ctx := s.Directory(), t.Context()
		// Created out of time order, interleaving tenants, so the listing must sort.
		fixtures := []persistence.User{
			newUser("u5", "u5@example.com", "t1", 5),
			newUser("u1", "u1@example.com", "t1", 1),
			newUser("u2", "u2@example.com", "t2", 2),
			newUser("u0", "u0@example.com", "", 0),
			newUser("u4", "u4@example.com", "t1", 4),
			newUser("u3", "u3@example.com", "t1", 3),
			newUser("u6", "u6@example.com", "t2", 6),
		}
		for _, u := range fixtures {
			must(t, d.CreateUser(ctx, u), "create %s", u.ID)
		}
		cases := []struct {
			tenant string
			page   persistence.Page
			want   []string
			total  int
		}{
			{"", persistence.Page{Page: 1, Limit: 100}, []string{"u0", "u1", "u2", "u3", "u4", "u5", "u6"}, 7},
			{"", persistence.Page{Page: 1, Limit: 3}, []string{"u0", "u1", "u2"}, 7},
			{"", persistence.Page{Page: 3, Limit: 3}, []string{"u6"}, 7},
			{"", persistence.Page{Page: 4, Limit: 3}, nil, 7},
			{"t1", persistence.Page{Page: 1, Limit: 2}, []string{"u1", "u3"}, 4},
			{"t1", persistence.Page{Page: 2, Limit: 2}, []string{"u4", "u5"}, 4},
			{"t2", persistence.Page{Page: 1, Limit: 10}, []string{"u2", "u6"}, 2},
			{"t9", persistence.Page{Page: 1, Limit: 10}, nil, 0},
		}
		for _, c := range cases {
			got, total, err := d.ListUsers(ctx, c.tenant, c.page)
			must(t, err, "list %q %+v", c.tenant, c.page)
			gotIDs := ids(got, func(u persistence.User) string { return u.ID })
			if !slices.Equal(gotIDs, c.want) || total != c.total {
				t.Fatalf("list %q %+v: got %v (total %d), want %v (total %d)", c.tenant, c.page, gotIDs, total, c.want, c.total)
			}
		}
		got, _, err := d.ListUsers(ctx, "t2", persistence.Page{Page: 1, Limit: 1})
		must(t, err, "list t2")
		wantEqual(t, got, []persistence.User{fixtures[2]}, "listed users are whole")
	}},
}
