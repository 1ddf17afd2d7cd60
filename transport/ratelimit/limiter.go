package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Rule is one limit: at most Limit requests per Window for each key. Name tells rules apart,
// so the same key (an IP, a user id) has one budget per rule; it is an identifier (letters,
// digits, '_', '-', '.'), so "<name>:<key>" names one budget unambiguously.
type Rule struct {
	Name   string
	Limit  int
	Window time.Duration
}

// Decision is the answer for one request.
type Decision struct {
	Allowed bool
	// Limit is the rule's limit; Remaining how many more requests fit now (a lower bound:
	// it grows as the previous window's share fades).
	Limit, Remaining int
	// RetryAfter is, when denied, how long until one request fits again; 0 <
	// RetryAfter ≤ Window. Zero when allowed.
	RetryAfter time.Duration
}

// Limiter decides one request at a time. Implementations are safe for concurrent use.
type Limiter interface {
	Allow(ctx context.Context, rule Rule, key string) (Decision, error)
	// Peek decides as Allow would without counting the request: whether one more would be
	// allowed now. For limits that count only some outcomes (failed logins), checked before
	// the outcome is known.
	Peek(ctx context.Context, rule Rule, key string) (Decision, error)
}

// ErrInvalidRule is returned for a rule whose name is not an identifier, whose limit is below
// 1 or whose window is below one millisecond (the Redis script counts in microseconds).
var ErrInvalidRule = errors.New("ratelimit: invalid rule")

// Validate reports whether r can be enforced.
func (r Rule) Validate() error {
	switch {
	case !isIdentifier(r.Name):
		return fmt.Errorf("%w: name %q, want letters, digits, '_', '-' or '.'", ErrInvalidRule, r.Name)
	case r.Limit < 1:
		return fmt.Errorf("%w %q: limit %d, want ≥ 1", ErrInvalidRule, r.Name, r.Limit)
	case r.Window < time.Millisecond:
		return fmt.Errorf("%w %q: window %s, want ≥ 1ms", ErrInvalidRule, r.Name, r.Window)
	}
	return nil
}

func isIdentifier(s string) bool {
	for _, c := range []byte(s) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.'
		if !ok {
			return false
		}
	}
	return s != ""
}
