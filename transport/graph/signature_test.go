package graph

import (
	"errors"
	"strings"
	"testing"

	json "github.com/goccy/go-json"

	"github.com/switchboard/switchboard/internal/fixtures"
)

func TestSignatureVectors(t *testing.T) {
	var vectors struct {
		AppSecret string `json:"app_secret"`
		Vectors   []struct {
			File      string `json:"file"`
			Bytes     int    `json:"bytes"`
			Signature string `json:"x_hub_signature_256"`
		} `json:"vectors"`
	}
	if err := json.Unmarshal(fixtures.Read(t, "signature_test_vectors.json"), &vectors); err != nil {
		t.Fatal(err)
	}
	v := NewVerifier([]string{"rotated-out-secret-0000000000000", vectors.AppSecret})
	for _, vec := range vectors.Vectors {
		t.Run(vec.File, func(t *testing.T) {
			body := fixtures.Read(t, vec.File)
			if len(body) != vec.Bytes {
				t.Fatalf("fixture is %d bytes, vector says %d", len(body), vec.Bytes)
			}
			if err := v.Verify(body, vec.Signature); err != nil {
				t.Fatalf("valid signature refused: %v", err)
			}
			if got := SignatureValue(vectors.AppSecret, body); got != vec.Signature {
				t.Fatalf("SignatureValue = %s", got)
			}
			if err := v.Verify(body, strings.ToUpper(vec.Signature[:7])+vec.Signature[7:]); err == nil {
				t.Fatal("accepted SHA256= prefix in upper case")
			}
			tampered := append([]byte(nil), body...)
			tampered[len(tampered)/2] ^= 1
			if err := v.Verify(tampered, vec.Signature); !errors.Is(err, ErrSignatureMismatch) {
				t.Fatalf("tampered body: %v", err)
			}
		})
	}
	body := fixtures.Read(t, "webhooks/inbound_text.json")
	cases := []struct {
		name, header string
		want         error
	}{
		{"missing", "", ErrSignatureMissing},
		{"sha1 only", "sha1=0123456789abcdef0123456789abcdef01234567", ErrSignatureMalformed},
		{"short", "sha256=abcd", ErrSignatureMalformed},
		{"not hex", "sha256=" + strings.Repeat("zz", 32), ErrSignatureMalformed},
		{"wrong key", SignatureValue("another-secret-another-secret-00", body), ErrSignatureMismatch},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := v.Verify(body, tc.header); !errors.Is(err, tc.want) {
				t.Fatalf("want %v, got %v", tc.want, err)
			}
		})
	}
}
