package accounts

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/switchboard/switchboard/auth"
	"github.com/switchboard/switchboard/internal/ids"
	"github.com/switchboard/switchboard/persistence/embedded"
	"github.com/switchboard/switchboard/vault"
)

// A password reset by another process (switchboard admin, or another node): a node that has
// the user's state cached refuses the old tokens once its cache lapses, and takes a token
// issued under the new password at once, reading the user again instead of refusing it for
// the rest of the cache's life.
func TestTokenAfterAResetElsewhere(t *testing.T) {
	store, err := embedded.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close(context.Background()) })
	v, err := vault.New("k1", strings.Repeat("5a", 32), nil)
	if err != nil {
		t.Fatal(err)
	}
	tokens := auth.NewTokens([]byte("accounts-test-jwt-secret-0123456789abcdef"), "switchboard", time.Hour)
	passwords, err := auth.NewPasswords(bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	node := New(store.Directory(), passwords, tokens, v, ids.NewGenerator())
	operator := New(store.Directory(), passwords, tokens, v, ids.NewGenerator())
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
