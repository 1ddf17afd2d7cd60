package graph

import (
	"fmt"

	json "github.com/goccy/go-json"
)

// ObjectWhatsApp is the only `object` a WhatsApp Business Account webhook carries.
const ObjectWhatsApp = "whatsapp_business_account"

// Webhook fields the engine routes (WHATSAPP.md §1.7). Others are kept, not acted on.
const (
	FieldMessages                   = "messages"
	FieldTemplateStatusUpdate       = "message_template_status_update"
	FieldTemplateCategoryUpdate     = "template_category_update"
	FieldTemplateQualityUpdate      = "message_template_quality_update"
	FieldPhoneNumberQualityUpdate   = "phone_number_quality_update"
	FieldPhoneNumberNameUpdate      = "phone_number_name_update"
	FieldAccountUpdate              = "account_update"
	FieldBusinessCapabilityUpdate   = "business_capability_update"
	FieldUserPreferences            = "user_preferences"
	FieldAccountAlerts              = "account_alerts"
	FieldAccountReviewUpdate        = "account_review_update"
	FieldSecurity                   = "security"
	FieldMessageTemplateComponents  = "message_template_components_update"
	FieldPaymentConfigurationUpdate = "payment_configuration_update"
)

// Webhook is one POST body. One body may carry entries of several WABAs, several changes
// per entry, and several messages and statuses per change.
type Webhook struct {
	Object string  `json:"object"`
	Entry  []Entry `json:"entry"`
}

// Entry is one WABA's part of a webhook; ID is the WABA id (for partner account_update
// events it can be the partner's business id).
type Entry struct {
	ID      string    `json:"id"`
	Time    Timestamp `json:"time"`
	Changes []Change  `json:"changes"`
}

// Change is one field's update; Value's shape depends on Field.
type Change struct {
	Field string          `json:"field"`
	Value json.RawMessage `json:"value"`
}

// ParseWebhook decodes a body. It checks the envelope only; each change's value is decoded
// by its field, so one malformed change cannot sink the rest of the batch.
func ParseWebhook(body []byte) (*Webhook, error) {
	var w Webhook
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, fmt.Errorf("graph: webhook: %w", err)
	}
	if w.Object != ObjectWhatsApp {
		return nil, fmt.Errorf("graph: webhook object %q is not %q", w.Object, ObjectWhatsApp)
	}
	return &w, nil
}

// MessagesValue decodes a `messages` change: inbound messages, statuses, or value-level
// errors, for one business phone number. An item in a shape the engine does not read is left out and listed in Malformed, and its
// neighbours are decoded (messagesValueByItem); the common, well-formed value is decoded in
// one pass.
func (c Change) MessagesValue() (*MessagesValue, error) {
	var v MessagesValue
	if err := json.Unmarshal(c.Value, &v); err == nil {
		return &v, nil
	}
	byItem, err := messagesValueByItem(c.Value)
	if err != nil {
		return nil, fmt.Errorf("graph: %s value: %w", c.Field, err)
	}
	return byItem, nil
}

// DecodeValue decodes any other field's value into dst.
func (c Change) DecodeValue(dst any) error {
	if err := json.Unmarshal(c.Value, dst); err != nil {
		return fmt.Errorf("graph: %s value: %w", c.Field, err)
	}
	return nil
}

// MessagesValue is the value of a `messages` change (also of `user_preferences`, which
// shares metadata and contacts).
type MessagesValue struct {
	MessagingProduct string           `json:"messaging_product"`
	Metadata         Metadata         `json:"metadata"`
	Contacts         []Contact        `json:"contacts"`
	Messages         []Message        `json:"messages"`
	Statuses         []Status         `json:"statuses"`
	Errors           []Error          `json:"errors"`
	UserPreferences  []UserPreference `json:"user_preferences"`
	// Malformed lists the items left out because they did not decode (MessagesValue).
	Malformed []MalformedItem `json:"-"`
}

// Metadata names the business number a change is for.
type Metadata struct {
	DisplayPhoneNumber string `json:"display_phone_number"`
	PhoneNumberID      string `json:"phone_number_id"`
}

// Contact is the WhatsApp user of a change. Since 2026 WaID may be absent when the user has
// a username; UserID (the business-scoped id, BSUID) is then the only key.
type Contact struct {
	Profile         Profile `json:"profile"`
	WaID            string  `json:"wa_id"`
	UserID          string  `json:"user_id"`
	IdentityKeyHash string  `json:"identity_key_hash"`
}

// Profile is what the user shows of themself.
type Profile struct {
	Name     string `json:"name"`
	Username string `json:"username"`
}

// Error is an error object of a message, status or value (Meta's error catalogue).
type Error struct {
	Code      int    `json:"code"`
	Title     string `json:"title"`
	Message   string `json:"message"`
	ErrorData struct {
		Details string `json:"details"`
	} `json:"error_data"`
	Href string `json:"href"`
}

// UserPreference is a user's marketing opt-out or opt-in (`user_preferences` field).
type UserPreference struct {
	WaID      string    `json:"wa_id"`
	UserID    string    `json:"user_id"`
	Detail    string    `json:"detail"`
	Category  string    `json:"category"`
	Value     string    `json:"value"` // stop | resume
	Timestamp Timestamp `json:"timestamp"`
}
