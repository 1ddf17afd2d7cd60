package vault

import (
	"errors"
	"strings"
	"testing"
)

func TestSealOpenRotate(t *testing.T) {
	k1, k2 := strings.Repeat("11", 32), strings.Repeat("22", 32)
	old, err := New("k1", k1, nil)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := old.Seal("EAAG-token", "tenant-a")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(sealed.Ciphertext), "EAAG") {
		t.Fatal("plaintext visible")
	}
	rotated, err := New("k2", k2, []string{"k1:" + k1})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := rotated.Open(sealed, "tenant-a"); err != nil || got != "EAAG-token" {
		t.Fatalf("open after rotation: %q %v", got, err)
	}
	if _, err := rotated.Open(sealed, "tenant-b"); err == nil {
		t.Fatal("opened with another tenant's aad")
	}
	resealed, _ := rotated.Seal("EAAG-token", "tenant-a")
	if resealed.KeyID != "k2" {
		t.Fatalf("sealed with %q", resealed.KeyID)
	}
	if _, err := old.Open(resealed, "tenant-a"); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("old vault opened new key: %v", err)
	}
	sealed.Ciphertext[0] ^= 1
	if _, err := rotated.Open(sealed, "tenant-a"); err == nil {
		t.Fatal("tampered ciphertext opened")
	}
}
