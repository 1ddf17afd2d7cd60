package auth

import (
	"context"
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// Passwords hashes and checks passwords at one bcrypt cost, a bounded number at once
// (passwordSlots).
type Passwords struct {
	cost int
	// decoy is a hash of a random password at the same cost. Checking a login for an unknown
	// email compares against it, so "no such user" takes as long as "wrong password" and
	// the answer time does not reveal which emails exist.
	decoy []byte
	slots chan struct{} // one element per bcrypt computation running
}

// NewPasswords prepares hashing at cost (bcrypt.MinCost..bcrypt.MaxCost).
func NewPasswords(cost int) (*Passwords, error) { return newPasswords(cost, passwordSlots()) }

func newPasswords(cost, slots int) (*Passwords, error) {
	decoy, err := bcrypt.GenerateFromPassword([]byte("decoy-password-never-matches"), cost)
	if err != nil {
		return nil, fmt.Errorf("auth: prepare bcrypt at cost %d: %w", cost, err)
	}
	return &Passwords{cost: cost, decoy: decoy, slots: make(chan struct{}, slots)}, nil
}

// Hash returns the bcrypt hash of password, or ErrBusy (Passwords.acquire).
func (p *Passwords) Hash(ctx context.Context, password string) (string, error) {
	if err := p.acquire(ctx); err != nil {
		return "", err
	}
	defer p.release()
	h, err := bcrypt.GenerateFromPassword([]byte(password), p.cost)
	if err != nil {
		return "", fmt.Errorf("auth: hash password: %w", err)
	}
	return string(h), nil
}

// Check reports whether password matches hash, or ErrBusy (Passwords.acquire). An empty
// hash (unknown user) is checked against the decoy so it costs the same time (the same wait
// for a slot included) and never matches.
// A password longer than any that can be set (72 bytes) never matches: bcrypt reads only the
// first 72 bytes, so without the check a stored password followed by anything would log in.
func (p *Passwords) Check(ctx context.Context, hash, password string) (bool, error) {
	if err := p.acquire(ctx); err != nil {
		return false, err
	}
	defer p.release()
	if hash == "" || len(password) > maxPasswordBytes {
		_ = bcrypt.CompareHashAndPassword(p.decoy, []byte(password)) // same time as a real check
		return false, nil
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil, nil
}

// Rehash returns a hash of password at the configured cost when hash, which password was
// just checked against, has another (accounts' login stores it); ok is false when hash
// needs none, or when every password slot is taken: it never waits for one, as the login
// it follows has succeeded, and under a flood of logins the wait (up to maxSlotWait) would
// be added to it. The next login tries again.
func (p *Passwords) Rehash(hash, password string) (newHash string, ok bool) {
	if cost, err := bcrypt.Cost([]byte(hash)); err != nil || cost == p.cost {
		return "", false // at the cost, or unreadable: it logs nobody in anyway
	}
	if !p.tryAcquire() {
		return "", false
	}
	defer p.release()
	h, err := bcrypt.GenerateFromPassword([]byte(password), p.cost)
	return string(h), err == nil
}

// maxPasswordBytes is bcrypt's limit: it ignores every byte past it.
const maxPasswordBytes = 72

// ValidatePassword enforces the password policy: at least 8 characters (counted as
// characters: a byte count let four accented letters pass as eight) and at most 72 bytes
// (bcrypt ignores bytes past 72, so a longer password would silently be truncated), with a
// letter and a digit.
func ValidatePassword(password string) error {
	if utf8.RuneCountInString(password) < 8 {
		return errors.New("must be at least 8 characters")
	}
	if len(password) > maxPasswordBytes {
		return errors.New("must be at most 72 bytes")
	}
	var letter, digit bool
	for _, r := range password {
		letter = letter || unicode.IsLetter(r)
		digit = digit || unicode.IsDigit(r)
	}
	if !letter || !digit {
		return errors.New("must contain a letter and a digit")
	}
	return nil
}
