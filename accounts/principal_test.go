package accounts

import (
	"errors"
	"testing"

	"github.com/switchboard/switchboard/auth"
)

// A password reset by another process (switchboard admin, or another node): a node that has
// the user's state cached refuses the old tokens once its cache lapses, and takes a token
// issued under the new password at once, reading the user again instead of refusing it for
// the rest of the cache's life.
func TestTokenAfterAResetElsewhere(t *testing.T) {
	deps := newTestDeps(t)
	node, operator := deps.service(), deps.service()
	ctx := t.Context()
	if _, err := operator.SetOperatorPassword(ctx, "ops@example.com", "Ops", "F1rst-Pass-Word!"); err != nil {
		t.Fatal(err)
	}
	old, err := node.Login(ctx, "ops@example.com", "F1rst-Pass-Word!")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := node.Authenticate(ctx, old.Token); err != nil { // cached on the node
		t.Fatal(err)
	}
	if _, err := operator.SetOperatorPassword(ctx, "ops@example.com", "", "S3cond-Pass-Word!"); err != nil {
		t.Fatal(err)
	}
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
