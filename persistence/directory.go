package persistence

import (
	"bytes"
	"context"
	"time"
)

// Role is what a user may do; see API.md "Roles".
type Role string

const (
	RolePlatformAdmin Role = "platform_admin"
	RoleTenantAdmin   Role = "tenant_admin"
	RoleAgent         Role = "agent"
)

// Valid reports whether r is one of the three roles.
func (r Role) Valid() bool {
	return r == RolePlatformAdmin || r == RoleTenantAdmin || r == RoleAgent
}

// User is a person who logs in. Email is stored lower-cased and is unique across the platform.
// TenantID is empty for platform admins.
type User struct {
	ID           string    `json:"id" bson:"_id"`
	Email        string    `json:"email" bson:"email"`
	Name         string    `json:"name" bson:"name"`
	PasswordHash string    `json:"passwordHash" bson:"passwordHash"`
	Role         Role      `json:"role" bson:"role"`
	TenantID     string    `json:"tenantId,omitempty" bson:"tenantId,omitempty"`
	Active       bool      `json:"active" bson:"active"`
	CreatedAt    time.Time `json:"createdAt" bson:"createdAt"`
	UpdatedAt    time.Time `json:"updatedAt" bson:"updatedAt"`
	// PasswordChangedAt is when SetPassword last replaced the hash: tokens issued before it
	// are refused, so a reset password also ends the sessions of whoever knew the old one.
	PasswordChangedAt time.Time `json:"passwordChangedAt,omitzero" bson:"passwordChangedAt,omitempty"`
	// PasswordTag, when set, is the tag tokens carry for the current password instead of
	// the one of its hash (auth.SessionTag): a rehash at another bcrypt cost changes the
	// hash, not the password, and must not end the sessions issued under it. SetPassword
	// clears it.
	PasswordTag string `json:"passwordTag,omitempty" bson:"passwordTag,omitempty"`
}

// SealedSecret is a secret encrypted with AES-256-GCM under the key named KeyID, so keys can
// rotate: a reader picks the key by id, a writer always uses the current one.
type SealedSecret struct {
	KeyID      string `json:"keyId" bson:"keyId"`
	Nonce      []byte `json:"nonce" bson:"nonce"`
	Ciphertext []byte `json:"ciphertext" bson:"ciphertext"`
}

// IsZero reports whether no secret is stored.
func (s SealedSecret) IsZero() bool { return len(s.Ciphertext) == 0 }

// Equal reports whether s and o are the same sealed value (same key, nonce and ciphertext).
func (s SealedSecret) Equal(o SealedSecret) bool {
	return s.KeyID == o.KeyID && bytes.Equal(s.Nonce, o.Nonce) && bytes.Equal(s.Ciphertext, o.Ciphertext)
}

// Tenant is one business on the platform and, once connected through Embedded Signup, its
// WhatsApp Business Account and sending number.
type Tenant struct {
	ID     string `json:"id" bson:"_id"`
	Name   string `json:"name" bson:"name"`
	Active bool   `json:"active" bson:"active"`

	WABAID             string       `json:"wabaId,omitempty" bson:"wabaId,omitempty"`
	PhoneNumberID      string       `json:"phoneNumberId,omitempty" bson:"phoneNumberId,omitempty"`
	DisplayPhoneNumber string       `json:"displayPhoneNumber,omitempty" bson:"displayPhoneNumber,omitempty"`
	AccessToken        SealedSecret `json:"accessToken" bson:"accessToken"`
	// MessagesPerSecond is the sending number's pacing rate; 0 means the platform default (80).
	MessagesPerSecond int `json:"messagesPerSecond,omitempty" bson:"messagesPerSecond,omitempty"`
	// NeedsReauth is set when Meta answers 190 for the tenant's token; sends pause until a new signup.
	NeedsReauth bool `json:"needsReauth,omitempty" bson:"needsReauth,omitempty"`

	CreatedAt time.Time `json:"createdAt" bson:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt" bson:"updatedAt"`
}

// Directory stores users and tenants. Every read is by key; the listings are for admin
// screens, not hot paths.
type Directory interface {
	// CreateUser inserts u; ErrConflict if the id or the (lower-cased) email is taken.
	CreateUser(ctx context.Context, u User) error
	UserByID(ctx context.Context, id string) (User, error)
	// UserByEmail matches case-insensitively.
	UserByEmail(ctx context.Context, email string) (User, error)
	// SetPassword replaces a user's password hash, and sets UpdatedAt and PasswordChangedAt
	// to at; ErrNotFound if there is no such user.
	SetPassword(ctx context.Context, userID, passwordHash string, at time.Time) error
	// RehashPassword replaces the user's hash oldHash by newHash, a hash of the same
	// password (at another bcrypt cost), with PasswordTag set to tag and UpdatedAt to at;
	// PasswordChangedAt stays. It writes only while the stored hash is still oldHash, so a
	// password changed since oldHash was read is never replaced by the old password's
	// rehash. applied reports whether it wrote (false for an unknown user too).
	RehashPassword(ctx context.Context, userID, oldHash, newHash, tag string, at time.Time) (applied bool, err error)
	// ListUsers lists the users of one tenant (all users when tenantID is ""), oldest first,
	// with the total count.
	ListUsers(ctx context.Context, tenantID string, p Page) ([]User, int, error)

	// CreateTenant inserts t; ErrConflict if the id or its PhoneNumberID is taken.
	CreateTenant(ctx context.Context, t Tenant) error
	// UpdateTenant replaces the stored tenant with the same id (ErrNotFound if absent) and keeps
	// the phone-number lookup in step; ErrConflict if t.PhoneNumberID belongs to another tenant.
	UpdateTenant(ctx context.Context, t Tenant) error
	// MarkNeedsReauth sets or clears the tenant's NeedsReauth flag alone (and UpdatedAt),
	// never writing the rest of the entry, so a signup storing a new token meanwhile is not
	// written over. With token non-nil it only sets the flag while the stored token is that
	// one: Meta rejecting a token that was replaced since says nothing of its successor.
	// applied reports whether it wrote; ErrNotFound if no such tenant.
	MarkNeedsReauth(ctx context.Context, tenantID string, needsReauth bool, token *SealedSecret, at time.Time) (applied bool, err error)
	TenantByID(ctx context.Context, id string) (Tenant, error)
	// TenantByPhoneNumberID resolves a webhook's metadata.phone_number_id to its tenant.
	TenantByPhoneNumberID(ctx context.Context, phoneNumberID string) (Tenant, error)
	// ListTenants lists tenants oldest first, with the total count.
	ListTenants(ctx context.Context, p Page) ([]Tenant, int, error)
}
