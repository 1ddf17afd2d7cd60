package graph

// Status values, in the order a message moves through them. Failed is terminal.
const (
	StatusSent      = "sent"
	StatusDelivered = "delivered"
	StatusRead      = "read"
	StatusPlayed    = "played"
	StatusFailed    = "failed"
)

// Status is a delivery status of a message the business sent.
type Status struct {
	ID                    string              `json:"id"`
	Status                string              `json:"status"`
	Timestamp             Timestamp           `json:"timestamp"`
	RecipientID           string              `json:"recipient_id"`
	RecipientUserID       string              `json:"recipient_user_id"`
	BizOpaqueCallbackData string              `json:"biz_opaque_callback_data"`
	Conversation          *StatusConversation `json:"conversation"`
	Pricing               *Pricing            `json:"pricing"`
	Errors                []Error             `json:"errors"`
}

// StatusConversation is present on v23 and older payloads (and in free-entry-point windows).
type StatusConversation struct {
	ID                  string    `json:"id"`
	ExpirationTimestamp Timestamp `json:"expiration_timestamp"`
	Origin              struct {
		Type string `json:"type"`
	} `json:"origin"`
}

// Pricing comes with sent and with one of delivered/read.
type Pricing struct {
	Billable     bool   `json:"billable"`
	PricingModel string `json:"pricing_model"`
	Type         string `json:"type"`
	Category     string `json:"category"`
}
