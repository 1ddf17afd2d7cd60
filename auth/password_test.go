package auth

import (
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func TestPasswords(t *testing.T) {
	pw, err := NewPasswords(bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	check := func(hash, password string) bool {
		ok, err := pw.Check(ctx, hash, password)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	h, err := pw.Hash(ctx, "Admin@123456")
	if err != nil {
		t.Fatal(err)
	}
	if !check(h, "Admin@123456") || check(h, "admin@123456") || check("", "Admin@123456") {
		t.Fatal("check mismatch")
	}
	if cost, _ := bcrypt.Cost([]byte(h)); cost != bcrypt.MinCost {
		t.Fatalf("cost %d", cost)
	}
	// bcrypt reads 72 bytes: the longest password that can be set, followed by anything,
	// must not log in.
	long := strings.Repeat("a1", 36)
	h, err = pw.Hash(ctx, long)
	if err != nil {
		t.Fatal(err)
	}
	if !check(h, long) || check(h, long+"anything") {
		t.Fatal("a 72-byte password with a suffix logged in")
	}
}

func TestValidatePassword(t *testing.T) {
	cases := []struct {
		pw string
		ok bool
	}{
		{"Admin@123456", true},
		{"short1", false},
		{"onlyletters", false},
		{"1234567890", false},
		{string(make([]byte, 73)), false},
		// Eight characters, not eight bytes: five letters of two bytes each were accepted.
		{"ééééé1", false},
		{"éééééé12", true},
	}
	for _, tc := range cases {
		if err := ValidatePassword(tc.pw); (err == nil) != tc.ok {
			t.Errorf("%q: ok=%v err=%v", tc.pw, tc.ok, err)
		}
	}
}
