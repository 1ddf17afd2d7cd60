package accounts

import (
	"errors"
	"testing"
	"time"

	"github.com/switchboard/switchboard/auth"
)

// A password reset by another process (switchboard admin, or another node): a node that has
// the user's state cached refuses the old tokens once its cache lapses, and takes a token
// issued under the new password at once, reading the user again instead of refusing it for
// the rest of the cache's life.
func TestTokenAfterAResetElsewhere(t *testing.T) {
	ctx := t.Context()
	_, node, old := resetElsewhere(t, func(node *Service, old Session) {
		if _, err := node.Authenticate(ctx, old.Token); err != nil { // cached on the node
			t.Fatal(err)
		}
	})
	fresh, err := node.Login(ctx, "ops@example.com", "S3cond-Pass-Word!")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := node.Authenticate(ctx, fresh.Token); err != nil {
		t.Fatalf("a token issued under the new password: %v", err)
	}
	if _, err := node.Authenticate(ctx, old.Token); !errors.Is(err, auth.ErrTokenInvalid) {
		t.Fatalf("a token issued under the old password: %v", err)
	}
}

// A token issued well before this node last read its user, under another password than the
// one it read, is refused from the cache: the read already saw the password that replaced
// it. It was read again on every request (a stolen token kept costing two directory reads
// per request, 429s included, as the failure limit answers after authentication).
func TestStaleTokenIsRefusedWithoutReadingAgain(t *testing.T) {
	ctx := t.Context()
	deps, node, old := resetElsewhere(t, func(*Service, Session) {})
	later := time.Now().Add(2 * time.Minute) // the token is two minutes old when the node reads
	node.now = func() time.Time { return later }
	if _, err := node.Authenticate(ctx, old.Token); !errors.Is(err, auth.ErrTokenInvalid) {
		t.Fatalf("first use after the reset: %v", err)
	}
	if err := deps.store.Close(ctx); err != nil { // any read from here on fails
		t.Fatal(err)
	}
	if _, err := node.Authenticate(ctx, old.Token); !errors.Is(err, auth.ErrTokenInvalid) {
		t.Fatalf("second use: %v, want ErrTokenInvalid from the cache without a read", err)
	}
}

// resetElsewhere has an operator process create ops@example.com and the node log it in, and
// hands the node's token to between (the node's use of it while the first password holds)
// before the operator gives the user a second password, S3cond-Pass-Word!.
func resetElsewhere(t *testing.T, between func(node *Service, old Session)) (deps testDeps, node *Service, old Session) {
	t.Helper()
	deps = newTestDeps(t)
	node, operator := deps.service(), deps.service()
	ctx := t.Context()
	if _, err := operator.SetOperatorPassword(ctx, "ops@example.com", "Ops", "F1rst-Pass-Word!"); err != nil {
		t.Fatal(err)
	}
	old, err := node.Login(ctx, "ops@example.com", "F1rst-Pass-Word!")
	if err != nil {
		t.Fatal(err)
	}
	between(node, old)
	if _, err := operator.SetOperatorPassword(ctx, "ops@example.com", "", "S3cond-Pass-Word!"); err != nil {
		t.Fatal(err)
	}
	return deps, node, old
}
