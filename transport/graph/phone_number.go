package graph

// PhoneNumberFields is what the engine asks GET /{phone_number_id} for (WHATSAPP.md §4.4).
const PhoneNumberFields = "display_phone_number,verified_name,quality_rating,code_verification_status," +
	"name_status,status,platform_type,throughput,whatsapp_business_manager_messaging_limit," +
	"is_official_business_account,account_mode,webhook_configuration,health_status"

// Health values of can_send_message.
const (
	HealthAvailable = "AVAILABLE"
	HealthLimited   = "LIMITED"
	HealthBlocked   = "BLOCKED"
)

// PhoneNumber is a business phone number. Only requested fields are present; values are
// open enums. DisplayPhoneNumber is formatted here ("+1 555-012-3456"), digits-only in
// webhooks.
type PhoneNumber struct {
	ID                        string                `json:"id"`
	DisplayPhoneNumber        string                `json:"display_phone_number,omitempty"`
	VerifiedName              string                `json:"verified_name,omitempty"`
	QualityRating             string                `json:"quality_rating,omitempty"`
	CodeVerificationStatus    string                `json:"code_verification_status,omitempty"`
	NameStatus                string                `json:"name_status,omitempty"`
	Status                    string                `json:"status,omitempty"`
	PlatformType              string                `json:"platform_type,omitempty"`
	Throughput                *Throughput           `json:"throughput,omitempty"`
	MessagingLimit            string                `json:"whatsapp_business_manager_messaging_limit,omitempty"`
	MessagingLimitTier        string                `json:"messaging_limit_tier,omitempty"` // deprecated by Meta
	IsOfficialBusinessAccount *bool                 `json:"is_official_business_account,omitempty"`
	AccountMode               string                `json:"account_mode,omitempty"`
	WebhookConfiguration      *WebhookConfiguration `json:"webhook_configuration,omitempty"`
	HealthStatus              *HealthStatus         `json:"health_status,omitempty"`
}

// Throughput level: STANDARD (80 mps) or HIGH (up to 1,000 mps, granted automatically).
type Throughput struct {
	Level string `json:"level"`
}

// WebhookConfiguration shows which callback URL receives the number's webhooks.
type WebhookConfiguration struct {
	Application string `json:"application,omitempty"`
	WABA        string `json:"whatsapp_business_account,omitempty"`
	PhoneNumber string `json:"phone_number,omitempty"`
}

// PhoneNumbersPage is GET /{waba_id}/phone_numbers.
type PhoneNumbersPage struct {
	Data   []PhoneNumber `json:"data"`
	Paging Paging        `json:"paging"`
}

// HealthStatusResponse is GET /{node_id}?fields=health_status.
type HealthStatusResponse struct {
	HealthStatus HealthStatus `json:"health_status"`
	ID           string       `json:"id"`
}

// HealthStatus is the pre-flight answer to "can this number send now?": the overall
// verdict and each entity (number, WABA, business, app) that contributes to it.
type HealthStatus struct {
	CanSendMessage string         `json:"can_send_message"`
	Entities       []HealthEntity `json:"entities"`
}

// HealthEntity is one node's verdict, with errors when limited or blocked.
type HealthEntity struct {
	EntityType     string        `json:"entity_type"`
	ID             string        `json:"id"`
	CanSendMessage string        `json:"can_send_message"`
	Errors         []HealthError `json:"errors,omitempty"`
	AdditionalInfo []string      `json:"additional_info,omitempty"`
}

// HealthError explains a limitation.
type HealthError struct {
	ErrorCode        int    `json:"error_code"`
	ErrorDescription string `json:"error_description"`
	PossibleSolution string `json:"possible_solution,omitempty"`
}
