package rest

import (
	"time"

	"github.com/switchboard/switchboard/internal/phone"
	"github.com/switchboard/switchboard/persistence"
)

// userView is a user as the API shows it: never the password hash.
type userView struct {
	ID        string           `json:"id"`
	Email     string           `json:"email"`
	Name      string           `json:"name"`
	Role      persistence.Role `json:"role"`
	TenantID  string           `json:"tenantId,omitempty"`
	Active    bool             `json:"active"`
	CreatedAt time.Time        `json:"createdAt"`
	UpdatedAt time.Time        `json:"updatedAt"`
	Tenant    *tenantView      `json:"tenant,omitempty"`
}

func viewUser(u persistence.User) userView {
	return userView{
		ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role, TenantID: u.TenantID,
		Active: u.Active, CreatedAt: u.CreatedAt.UTC(), UpdatedAt: u.UpdatedAt.UTC(),
	}
}

// tenantView is a tenant as the API shows it: never the access token, only whether one is held.
type tenantView struct {
	ID                 string    `json:"id"`
	Name               string    `json:"name"`
	Active             bool      `json:"active"`
	WABAID             string    `json:"wabaId,omitempty"`
	PhoneNumberID      string    `json:"phoneNumberId,omitempty"`
	DisplayPhoneNumber string    `json:"displayPhoneNumber,omitempty"`
	WhatsAppConnected  bool      `json:"whatsappConnected"`
	NeedsReauth        bool      `json:"needsReauth"`
	MessagesPerSecond  int       `json:"messagesPerSecond"`
	CreatedAt          time.Time `json:"createdAt"`
	UpdatedAt          time.Time `json:"updatedAt"`
}

// defaultMessagesPerSecond is Meta's default per-number throughput (WHATSAPP.md §3).
const defaultMessagesPerSecond = 80

func viewTenant(t persistence.Tenant) tenantView {
	mps := t.MessagesPerSecond
	if mps == 0 {
		mps = defaultMessagesPerSecond
	}
	return tenantView{
		ID: t.ID, Name: t.Name, Active: t.Active, WABAID: t.WABAID, PhoneNumberID: t.PhoneNumberID,
		DisplayPhoneNumber: phone.E164(t.DisplayPhoneNumber),
		WhatsAppConnected:  t.PhoneNumberID != "" && !t.AccessToken.IsZero(),
		NeedsReauth:        t.NeedsReauth, MessagesPerSecond: mps,
		CreatedAt: t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC(),
	}
}
