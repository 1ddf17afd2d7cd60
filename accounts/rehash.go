package accounts

import (
	"context"

	"github.com/switchboard/switchboard/auth"
	"github.com/switchboard/switchboard/persistence"
)

// rehash brings the hash of a user who just logged in with password to the configured
// bcrypt cost, as Django, Laravel and Devise do: without it a changed BCRYPT_COST applied
// only to passwords set afterwards, so raising it strengthened nothing stored. Only a
// successful login pays for it (once per user and cost); a failed one costs what it did.
//
// The write is conditional on the hash the login read (RehashPassword), so a password
// changed meanwhile is never replaced by the old one's rehash; the user returned then keeps
// the hash read, and the token issued from it is refused as any token of the old password.
// The tokens issued before keep their tag (auth.SessionTag): the password did not change.
// So the cached live state of the user (its tag, role, tenant) stays true and is kept:
// dropping it cost the user's next request a directory read for nothing.
//
// Best effort: every password slot busy (it does not wait for one), or the store failing,
// leaves the hash as it is and the login succeeds; the next login tries again.
func (s *Service) rehash(ctx context.Context, u persistence.User, password string) persistence.User {
	hash, ok := s.passwords.Rehash(u.PasswordHash, password)
	if !ok {
		return u
	}
	tag := auth.SessionTag(u)
	applied, err := s.dir.RehashPassword(ctx, u.ID, u.PasswordHash, hash, tag, s.now())
	if err != nil || !applied {
		return u
	}
	u.PasswordHash, u.PasswordTag = hash, tag
	return u
}
