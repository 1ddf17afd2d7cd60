package accounts

import (
	"errors"
	"strings"
)

// Domain errors; transport/rest maps each to one status and stable code.
var (
	// ErrBadCredentials answers both an unknown email and a wrong password, identically.
	ErrBadCredentials = errors.New("accounts: invalid email or password")
	ErrEmailTaken     = errors.New("accounts: email already registered")
	ErrUserDisabled   = errors.New("accounts: user disabled")
	ErrTenantInactive = errors.New("accounts: tenant inactive")
)

// FieldError names one invalid input field.
type FieldError struct {
	Field   string
	Message string
}

// ValidationError lists every invalid field of one request.
type ValidationError []FieldError

func (v ValidationError) Error() string {
	parts := make([]string, len(v))
	for i, f := range v {
		parts[i] = f.Field + " " + f.Message
	}
	return "accounts: invalid input: " + strings.Join(parts, "; ")
}

func (v *ValidationError) add(field, message string) { *v = append(*v, FieldError{field, message}) }

func (v ValidationError) orNil() error {
	if len(v) == 0 {
		return nil
	}
	return v
}
