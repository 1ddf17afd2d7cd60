package graph

// Template pacing states of a send response's message_status (template sends only).
const (
	MessageStatusAccepted = "accepted"
	MessageStatusHeld     = "held_for_quality_assessment"
	MessageStatusPaused   = "paused"
)

// SendResponse is Meta's answer to an accepted send: accepted, not delivered. Delivery is
// learnt from status webhooks.
type SendResponse struct {
	MessagingProduct string              `json:"messaging_product"`
	Contacts         []SendContact       `json:"contacts"`
	Messages         []SendMessageResult `json:"messages"`
	GroupID          string              `json:"group_id,omitempty"`
}

// SendContact maps what we sent (Input) to the user's canonical id: WaID for phone sends
// (it may differ from Input for Brazil/Mexico numbers — store WaID), UserID for BSUID sends.
type SendContact struct {
	Input  string `json:"input"`
	WaID   string `json:"wa_id,omitempty"`
	UserID string `json:"user_id,omitempty"`
}

// SendMessageResult carries the wamid; MessageStatus only for template sends.
type SendMessageResult struct {
	ID            string `json:"id"`
	MessageStatus string `json:"message_status,omitempty"`
}

// WAMID is the id of the sent message, or "" when the response carried none.
func (r *SendResponse) WAMID() string {
	if r == nil || len(r.Messages) == 0 {
		return ""
	}
	return r.Messages[0].ID
}

// SuccessResponse is the {"success":true} of mark-read, register and subscribe calls.
type SuccessResponse struct {
	Success bool `json:"success"`
}

// Paging is Graph's cursor paging. Next is present only when there is a further page:
// follow it (or pass Cursors.After) until it is absent.
type Paging struct {
	Cursors  Cursors `json:"cursors"`
	Next     string  `json:"next,omitempty"`
	Previous string  `json:"previous,omitempty"`
}

// Cursors are opaque page positions.
type Cursors struct {
	Before string `json:"before,omitempty"`
	After  string `json:"after,omitempty"`
}

// MediaURL is GET /{media_id}: a download URL valid for 5 minutes (needs the bearer token).
type MediaURL struct {
	MessagingProduct string     `json:"messaging_product"`
	URL              string     `json:"url"`
	MimeType         string     `json:"mime_type"`
	SHA256           string     `json:"sha256"`
	FileSize         FlexString `json:"file_size"`
	ID               string     `json:"id"`
}

// MediaUploadResponse is POST /{phone_number_id}/media: the id, valid for 30 days.
type MediaUploadResponse struct {
	ID string `json:"id"`
}
