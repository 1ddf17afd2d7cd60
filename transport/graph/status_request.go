package graph

// StatusRequest is the body of POST /{version}/{phone_number_id}/messages that marks an
// inbound message (and the earlier ones of the thread) read, optionally showing a typing
// indicator. Meta answers {"success":true}. Neither extends the 24-hour window.
type StatusRequest struct {
	MessagingProduct string           `json:"messaging_product"`
	Status           string           `json:"status"`
	MessageID        string           `json:"message_id"`
	TypingIndicator  *TypingIndicator `json:"typing_indicator,omitempty"`
}

// TypingIndicator shows "typing…" for up to 25 s or until the business replies; show it only
// when a reply is coming.
type TypingIndicator struct {
	Type string `json:"type"`
}

// NewMarkRead marks wamid read; with typing it also shows the typing indicator.
func NewMarkRead(wamid string, typing bool) *StatusRequest {
	r := &StatusRequest{MessagingProduct: MessagingProduct, Status: StatusRead, MessageID: wamid}
	if typing {
		r.TypingIndicator = &TypingIndicator{Type: "text"}
	}
	return r
}

// RegisterRequest is the body of POST /{version}/{phone_number_id}/register. Pin is the
// six-digit two-step verification PIN: it becomes the PIN on first registration and must
// match it afterwards.
type RegisterRequest struct {
	MessagingProduct string `json:"messaging_product"`
	Pin              string `json:"pin"`
}

// SubscribedAppsOverride is the optional body of POST /{version}/{waba_id}/subscribed_apps:
// a per-WABA callback URL taking precedence over the app's.
type SubscribedAppsOverride struct {
	OverrideCallbackURI string `json:"override_callback_uri"`
	VerifyToken         string `json:"verify_token"`
}
