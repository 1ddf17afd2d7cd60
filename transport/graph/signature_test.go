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

// Every webhook is verified on the acknowledgement path: each Verify built an HMAC (two
// SHA-256 states and two pads), its sum and a copy of the header, eight allocations that
// feed the collector at Meta's rate. A verification allocates nothing now, from a header
// given as a string or as the request's bytes, also with upper-case hex.
func TestVerifyAllocatesNothing(t *testing.T) {
	body := fixtures.Read(t, "webhooks/inbound_text.json")
	v := NewVerifier([]string{"rotated-out-secret-0000000000000", "app-secret-app-secret-app-secret"})
	header := SignatureValue("app-secret-app-secret-app-secret", body)
	upper := []byte("sha256=" + strings.ToUpper(header[7:]))
	if err := v.Verify(body, header); err != nil {
		t.Fatal(err)
	}
	if err := v.VerifyHeader(body, upper); err != nil {
		t.Fatalf("upper-case hex from the request's bytes: %v", err)
	}
	if err := v.VerifyHeader(body, []byte(header[:len(header)-1]+"z")); !errors.Is(err, ErrSignatureMalformed) {
		t.Fatalf("a header ending in a letter that is not hex: %v", err)
	}
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	n := testing.AllocsPerRun(100, func() {
		_ = v.Verify(body, header)
		_ = v.VerifyHeader(body, upper)
	})
	if n != 0 {
		t.Fatalf("%.0f allocations per two verifications", n)
	}
}
