package accounts

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/switchboard/switchboard/auth"
	"github.com/switchboard/switchboard/persistence"
)

// liveTTL bounds how long a disabled user or deactivated tenant keeps working with a token
// issued before: tokens are stateless, so the edge re-checks the directory this often.
const liveTTL = 30 * time.Second

// lookupTimeout bounds Authenticate's directory reads when its caller's context has no
// deadline of its own (the edge passes none: on the hot path the cache answers, and a
// deadline made per request for a read that rarely happens cost a timer each).
const lookupTimeout = 5 * time.Second

// Authenticate verifies a bearer token and checks that its user is still active, with the
// same role and tenant, and that the tenant is active. Results are cached for liveTTL so the
// hot path does not read the directory per request.
func (s *Service) Authenticate(ctx context.Context, token string) (auth.Principal, error) {
	p, err := s.tokens.Verify(token)
	if err != nil {
		return auth.Principal{}, err
	}
	if e, ok := s.live.get(p.UserID, s.now()); ok {
		if err := e.state.check(p); err == nil || !e.state.otherPassword(p) || p.IssuedAt.Before(e.at.Add(-issueSkew)) {
			return p, err
		}
		// Issued under a password this node has not seen yet (reset by another process, or
		// by another node) and not long before the read: read the user again rather than
		// refuse a fresh login's token for the rest of the cache's life. A token issued well
		// before the read is older than the password the read saw, and refused as it is:
		// reading again for it gave a stolen token two directory reads per request.
	}
	readAt := s.now() // before the read: the state is at least this recent
	st, err := s.liveState(ctx, p.UserID)
	if err != nil {
		return auth.Principal{}, err
	}
	s.live.put(p.UserID, st, readAt)
	return p, st.check(p)
}

// issueSkew is how far a token's issue time (whole seconds, from the clock of the node that
// issued it) may trail the moment a read of its user began and the token still be newer
// than what the read saw.
const issueSkew = time.Minute

// Forget drops the cached state of a user (after changing it on this node).
func (s *Service) Forget(userID string) { s.live.drop(userID) }

type liveState struct {
	exists       bool
	active       bool
	role         persistence.Role
	tenantID     string
	tenantActive bool
	// passwordTag is the current password hash's tag: a token with another was issued
	// before the password changed. passwordSince serves tokens issued before tags: those
	// issued before this second are refused.
	passwordTag   string
	passwordSince time.Time
}

func (st liveState) check(p auth.Principal) error {
	switch {
	case !st.exists || st.role != p.Role || st.tenantID != p.TenantID:
		// The token describes a user that no longer matches the directory.
		return fmt.Errorf("%w: user changed since the token was issued", auth.ErrTokenInvalid)
	case p.PasswordTag != "" && p.PasswordTag != st.passwordTag,
		p.PasswordTag == "" && !st.passwordSince.IsZero() && p.IssuedAt.Before(st.passwordSince):
		// Issued to whoever knew the password before it was reset.
		return fmt.Errorf("%w: issued before the password was changed", auth.ErrTokenInvalid)
	case !st.active:
		return ErrUserDisabled
	case st.tenantID != "" && !st.tenantActive:
		return ErrTenantInactive
	}
	return nil
}

// otherPassword reports whether p's token was issued under another password than the one
// st knows: st may be older than the token.
func (st liveState) otherPassword(p auth.Principal) bool {
	return p.PasswordTag != "" && p.PasswordTag != st.passwordTag
}

func (s *Service) liveState(ctx context.Context, userID string) (liveState, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, lookupTimeout)
		defer cancel()
	}
	u, err := s.dir.UserByID(ctx, userID)
	if errors.Is(err, persistence.ErrNotFound) {
		return liveState{}, nil
	}
	if err != nil {
		return liveState{}, fmt.Errorf("accounts: authenticate: %w", err)
	}
	st := liveState{exists: true, active: u.Active, role: u.Role, tenantID: u.TenantID,
		passwordTag: auth.SessionTag(u), passwordSince: u.PasswordChangedAt.Truncate(time.Second)}
	if u.TenantID != "" {
		t, err := s.dir.TenantByID(ctx, u.TenantID)
		if err != nil && !errors.Is(err, persistence.ErrNotFound) {
			return liveState{}, fmt.Errorf("accounts: authenticate: %w", err)
		}
		st.tenantActive = err == nil && t.Active
	}
	return st, nil
}

type liveEntry struct {
	state liveState
	at    time.Time // when the read of state began
}

// liveCache is bounded by the number of distinct users with valid tokens, which is the size
// of the directory at most.
type liveCache struct {
	mu  sync.Mutex
	ttl time.Duration
	m   map[string]liveEntry
}

func newLiveCache(ttl time.Duration) *liveCache {
	return &liveCache{ttl: ttl, m: map[string]liveEntry{}}
}

func (c *liveCache) get(id string, now time.Time) (liveEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[id]
	if !ok || now.Sub(e.at) > c.ttl {
		return liveEntry{}, false
	}
	return e, true
}

func (c *liveCache) put(id string, st liveState, now time.Time) {
	c.mu.Lock()
	c.m[id] = liveEntry{st, now}
	c.mu.Unlock()
}

func (c *liveCache) drop(id string) {
	c.mu.Lock()
	delete(c.m, id)
	c.mu.Unlock()
}
