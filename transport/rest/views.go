package rest

import (
	"time"

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
		DisplayPhoneNumber: e164(t.DisplayPhoneNumber),
		WhatsAppConnected:  t.PhoneNumberID != "" && !t.AccessToken.IsZero(),
		NeedsReauth:        t.NeedsReauth, MessagesPerSecond: mps,
		CreatedAt: t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC(),
	}
}

// e164 writes a phone number as API.md writes every one, + and digits: Meta's
// display_phone_number comes formatted ("+1 555-012-3456"). "" stays "".
func e164(s string) string {
	digits := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			digits = append(digits, s[i])
		}
	}
	if len(digits) == 0 {
		return ""
	}
	return "+" + string(digits)
}
