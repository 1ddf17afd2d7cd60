// Package vault seals tenants' secrets (Meta access tokens, registration PINs) with
// AES-256-GCM. Every sealed value carries the id of its key, so keys rotate without a
// migration: new values use the current key, old values open with the key they name.
package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/switchboard/switchboard/persistence"
)

// ErrUnknownKey means a sealed value names a key this node was not given.
var ErrUnknownKey = errors.New("vault: unknown key id")

// Vault seals with one current key and opens with any configured key.
type Vault struct {
	current string
	aeads   map[string]cipher.AEAD
}

// New builds a vault. currentKeyHex is 64 hex characters; previous holds "id:hex" pairs
// accepted for opening only.
func New(currentID, currentKeyHex string, previous []string) (*Vault, error) {
	v := &Vault{current: currentID, aeads: map[string]cipher.AEAD{}}
	if err := v.add(currentID, currentKeyHex); err != nil {
		return nil, err
	}
	for _, pair := range previous {
		id, keyHex, ok := strings.Cut(pair, ":")
		if !ok {
			return nil, fmt.Errorf("vault: previous key %q is not id:hex", id)
		}
		if err := v.add(id, keyHex); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// add refuses an empty id and one already given: a second key under an id replaced the
// first, so every secret sealed under the first stopped opening (or, named like the current
// key, new secrets were sealed under the old key while labelled with the new id).
func (v *Vault) add(id, keyHex string) error {
	if id == "" {
		return errors.New("vault: a key id must not be empty")
	}
	if _, dup := v.aeads[id]; dup {
		return fmt.Errorf("vault: key id %q is given twice", id)
	}
	key, err := hex.DecodeString(keyHex)
	if err != nil || len(key) != 32 {
		return fmt.Errorf("vault: key %q must be 64 hex characters", id)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return fmt.Errorf("vault: key %q: %w", id, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return fmt.Errorf("vault: key %q: %w", id, err)
	}
	v.aeads[id] = aead
	return nil
}

// Seal encrypts plaintext under the current key. aad binds the value to its owner (the
// tenant id), so a sealed token copied onto another tenant does not open.
func (v *Vault) Seal(plaintext, aad string) (persistence.SealedSecret, error) {
	aead := v.aeads[v.current]
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return persistence.SealedSecret{}, fmt.Errorf("vault: nonce: %w", err)
	}
	return persistence.SealedSecret{
		KeyID: v.current, Nonce: nonce,
		Ciphertext: aead.Seal(nil, nonce, []byte(plaintext), []byte(aad)),
	}, nil
}

// Open decrypts s with the key it names.
func (v *Vault) Open(s persistence.SealedSecret, aad string) (string, error) {
	aead, ok := v.aeads[s.KeyID]
	if !ok {
		return "", fmt.Errorf("%w: %q", ErrUnknownKey, s.KeyID)
	}
	if len(s.Nonce) != aead.NonceSize() {
		return "", errors.New("vault: malformed sealed secret")
	}
	pt, err := aead.Open(nil, s.Nonce, s.Ciphertext, []byte(aad))
	if err != nil {
		return "", fmt.Errorf("vault: open: %w", err)
	}
	return string(pt), nil
}
