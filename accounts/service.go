package accounts

import (
	"time"

	"github.com/switchboard/switchboard/auth"
	"github.com/switchboard/switchboard/internal/ids"
	"github.com/switchboard/switchboard/persistence"
	"github.com/switchboard/switchboard/vault"
)

// Service is the directory's domain logic over one store.
type Service struct {
	dir       persistence.Directory
	passwords *auth.Passwords
	tokens    *auth.Tokens
	vault     *vault.Vault
	ids       *ids.Generator
	now       func() time.Time
	live      *liveCache
}

// New wires a Service.
func New(dir persistence.Directory, passwords *auth.Passwords, tokens *auth.Tokens, v *vault.Vault, gen *ids.Generator) *Service {
	return &Service{
		dir: dir, passwords: passwords, tokens: tokens, vault: v, ids: gen,
		now:  func() time.Time { return time.Now().UTC() },
		live: newLiveCache(liveTTL),
	}
}
