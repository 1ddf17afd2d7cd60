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

// A key id names one key: a second key under the same id replaced the first in the map, so
// every secret sealed under the first stopped opening, with nothing at start-up saying why.
func TestNewRefusesAKeyIDGivenTwice(t *testing.T) {
	k1, k2, k3 := strings.Repeat("11", 32), strings.Repeat("22", 32), strings.Repeat("33", 32)
	cases := []struct {
		name     string
		current  string
		previous []string
	}{
		{"previous named like the current", "k1", []string{"k1:" + k2}},
		{"two previous with one id", "k3", []string{"k1:" + k1, "k1:" + k2}},
		{"empty previous id", "k3", []string{":" + k1}},
		{"empty current id", "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(tc.current, k3, tc.previous); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}
