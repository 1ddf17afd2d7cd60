package graph

import json "github.com/goccy/go-json"

// Template statuses and categories (open enums: keep unknown values as they come).
const (
	TemplateApproved = "APPROVED"
	TemplatePending  = "PENDING"
	TemplateRejected = "REJECTED"
	TemplatePaused   = "PAUSED"
	TemplateDisabled = "DISABLED"

	CategoryMarketing      = "MARKETING"
	CategoryUtility        = "UTILITY"
	CategoryAuthentication = "AUTHENTICATION"

	ParameterFormatPositional = "POSITIONAL"
	ParameterFormatNamed      = "NAMED"
)

// TemplateStatuses are the statuses Meta documents for a template (WHATSAPP.md): an open
// list, kept for validating filters, never for refusing what Meta sends.
var TemplateStatuses = []string{TemplateApproved, TemplatePending, TemplateRejected, TemplatePaused, TemplateDisabled,
	"IN_APPEAL", "PENDING_DELETION", "DELETED", "ARCHIVED", "LIMIT_EXCEEDED", "FLAGGED", "LOCKED", "REINSTATED"}

// TemplateFields is what template sync asks GET /{waba_id}/message_templates for.
const TemplateFields = "name,status,category,language,components,parameter_format,quality_score,rejected_reason,sub_category,previous_category"

// TemplatesPage is one page of GET /{waba_id}/message_templates. Follow Paging.Next until
// it is absent (the classic sync bug is reading page one only).
type TemplatesPage struct {
	Data   []MessageTemplate `json:"data"`
	Paging Paging            `json:"paging"`
}

// MessageTemplate is a template definition as Meta stores it; (WABA, Name, Language) is its
// identity.
type MessageTemplate struct {
	Name             string                    `json:"name"`
	ParameterFormat  string                    `json:"parameter_format,omitempty"`
	Language         string                    `json:"language"`
	Status           string                    `json:"status"`
	Category         string                    `json:"category"`
	SubCategory      string                    `json:"sub_category,omitempty"`
	PreviousCategory string                    `json:"previous_category,omitempty"`
	RejectedReason   string                    `json:"rejected_reason,omitempty"`
	QualityScore     *TemplateQuality          `json:"quality_score,omitempty"`
	ID               string                    `json:"id"`
	Components       []TemplateDefinitionBlock `json:"components"`
}

// TemplateQuality is GREEN, YELLOW, RED or UNKNOWN.
type TemplateQuality struct {
	Score string `json:"score"`
}

// TemplateDefinitionBlock is a HEADER, BODY, FOOTER or BUTTONS block of a definition.
// Example is kept raw: its shape differs by block and format and the engine only shows it.
type TemplateDefinitionBlock struct {
	Type                      string                     `json:"type"`
	Format                    string                     `json:"format,omitempty"`
	Text                      string                     `json:"text,omitempty"`
	Example                   json.RawMessage            `json:"example,omitempty"`
	Buttons                   []TemplateButtonDefinition `json:"buttons,omitempty"`
	AddSecurityRecommendation bool                       `json:"add_security_recommendation,omitempty"`
	CodeExpirationMinutes     int                        `json:"code_expiration_minutes,omitempty"`
}

// TemplateButtonDefinition is one button of a BUTTONS block.
type TemplateButtonDefinition struct {
	Type        string          `json:"type"`
	Text        string          `json:"text,omitempty"`
	URL         string          `json:"url,omitempty"`
	PhoneNumber string          `json:"phone_number,omitempty"`
	OTPType     string          `json:"otp_type,omitempty"`
	Example     json.RawMessage `json:"example,omitempty"`
}

// TemplateCreateResponse is POST /{waba_id}/message_templates.
type TemplateCreateResponse struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	Category string `json:"category"`
}
