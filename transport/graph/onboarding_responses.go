package graph

import "slices"

// Permissions a business token needs (WHATSAPP.md §4.2).
const (
	ScopeBusinessManagement = "whatsapp_business_management"
	ScopeBusinessMessaging  = "whatsapp_business_messaging"
)

// AccessToken is GET /oauth/access_token's answer to a code exchange. Only AccessToken is
// documented; TokenType and ExpiresIn are optional (business tokens do not expire).
type AccessToken struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type,omitempty"`
	ExpiresIn   int64  `json:"expires_in,omitempty"`
}

// DebugToken is GET /debug_token's answer.
type DebugToken struct {
	Data DebugTokenData `json:"data"`
}

// DebugTokenData describes a token. ExpiresAt 0 means it never expires.
type DebugTokenData struct {
	AppID               string          `json:"app_id"`
	Type                string          `json:"type"`
	Application         string          `json:"application"`
	DataAccessExpiresAt int64           `json:"data_access_expires_at"`
	ExpiresAt           int64           `json:"expires_at"`
	IsValid             bool            `json:"is_valid"`
	IssuedAt            int64           `json:"issued_at,omitempty"`
	Scopes              []string        `json:"scopes"`
	GranularScopes      []GranularScope `json:"granular_scopes,omitempty"`
	UserID              string          `json:"user_id,omitempty"`
	Error               *TokenError     `json:"error,omitempty"`
}

// GranularScope lists the assets (WABA ids) a scope was granted for.
type GranularScope struct {
	Scope     string   `json:"scope"`
	TargetIDs []string `json:"target_ids,omitempty"`
}

// TokenError says why a token is invalid.
type TokenError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Subcode int    `json:"subcode,omitempty"`
}

// GrantsWABA reports whether the token may manage and message wabaID. Since mid-2026 some
// tokens carry only flat scopes without granular entries; then the flat scopes decide,
// because hard-failing such tokens locked real users out (Chatwoot #14690).
func (d DebugTokenData) GrantsWABA(wabaID string) bool {
	if !d.IsValid {
		return false
	}
	var granular bool
	for _, scope := range []string{ScopeBusinessManagement, ScopeBusinessMessaging} {
		for _, g := range d.GranularScopes {
			if g.Scope != scope {
				continue
			}
			granular = true
			if !slices.Contains(g.TargetIDs, wabaID) {
				return false
			}
		}
	}
	if granular {
		return true
	}
	return slices.Contains(d.Scopes, ScopeBusinessManagement) && slices.Contains(d.Scopes, ScopeBusinessMessaging)
}

// SubscribedApps is GET /{waba_id}/subscribed_apps.
type SubscribedApps struct {
	Data []SubscribedApp `json:"data"`
}

// SubscribedApp is one app receiving the WABA's webhooks.
type SubscribedApp struct {
	WhatsAppBusinessAPIData struct {
		ID   string `json:"id"`
		Link string `json:"link,omitempty"`
		Name string `json:"name,omitempty"`
	} `json:"whatsapp_business_api_data"`
	OverrideCallbackURI string `json:"override_callback_uri,omitempty"`
}
