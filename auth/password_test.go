package auth

import (
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func TestPasswords(t *testing.T) {
	pw, err := NewPasswords(bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	h, err := pw.Hash("Admin@123456")
	if err != nil {
		t.Fatal(err)
	}
	if !pw.Check(h, "Admin@123456") || pw.Check(h, "admin@123456") || pw.Check("", "Admin@123456") {
		t.Fatal("check mismatch")
	}
	if cost, _ := bcrypt.Cost([]byte(h)); cost != bcrypt.MinCost {
		t.Fatalf("cost %d", cost)
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
	}
	for _, tc := range cases {
		if err := ValidatePassword(tc.pw); (err == nil) != tc.ok {
			t.Errorf("%q: ok=%v err=%v", tc.pw, tc.ok, err)
		}
	}
}
