package graph

// TemplateComponentsUpdate is message_template_components_update: a template's header,
// body, footer or buttons changed. Only which template is read; its new definition comes
// from the next sync (the webhook lacks the header's format and the parameter format).
type TemplateComponentsUpdate struct {
	MessageTemplateID       int64  `json:"message_template_id"`
	MessageTemplateName     string `json:"message_template_name"`
	MessageTemplateLanguage string `json:"message_template_language"`
}

// TemplateStatusUpdate is a `message_template_status_update` value.
type TemplateStatusUpdate struct {
	Event                   string `json:"event"`
	MessageTemplateID       int64  `json:"message_template_id"`
	MessageTemplateName     string `json:"message_template_name"`
	MessageTemplateLanguage string `json:"message_template_language"`
	Reason                  string `json:"reason"`
	MessageTemplateCategory string `json:"message_template_category"`
	DisableInfo             *struct {
		DisableDate FlexTime `json:"disable_date"`
	} `json:"disable_info"`
	OtherInfo *struct {
		Title       string `json:"title"`
		Description string `json:"description"`
	} `json:"other_info"`
	RejectionInfo *struct {
		Reason         string `json:"reason"`
		Recommendation string `json:"recommendation"`
	} `json:"rejection_info"`
}

// TemplateCategoryUpdate is a `template_category_update` value: impending (CorrectCategory
// set) or done (PreviousCategory set).
type TemplateCategoryUpdate struct {
	MessageTemplateID       int64    `json:"message_template_id"`
	MessageTemplateName     string   `json:"message_template_name"`
	MessageTemplateLanguage string   `json:"message_template_language"`
	PreviousCategory        string   `json:"previous_category"`
	NewCategory             string   `json:"new_category"`
	CorrectCategory         string   `json:"correct_category"`
	CategoryUpdateTimestamp FlexTime `json:"category_update_timestamp"`
}

// PhoneNumberQualityUpdate is keyed by display number, not phone_number_id.
type PhoneNumberQualityUpdate struct {
	DisplayPhoneNumber               string     `json:"display_phone_number"`
	Event                            string     `json:"event"`
	OldLimit                         FlexString `json:"old_limit"`
	CurrentLimit                     FlexString `json:"current_limit"`
	MaxDailyConversationsPerBusiness FlexString `json:"max_daily_conversations_per_business"`
}

// BusinessCapabilityUpdate reports messaging-limit and number-count changes.
type BusinessCapabilityUpdate struct {
	MaxDailyConversationsPerBusiness FlexString `json:"max_daily_conversations_per_business"`
	MaxDailyConversationPerPhone     FlexString `json:"max_daily_conversation_per_phone"`
	MaxPhoneNumbersPerBusiness       FlexString `json:"max_phone_numbers_per_business"`
	MaxPhoneNumbersPerWABA           FlexString `json:"max_phone_numbers_per_waba"`
}

// AccountUpdate is an `account_update` value. Details differ by event; the engine acts on
// the event and keeps the rest raw.
type AccountUpdate struct {
	Event    string `json:"event"`
	WABAInfo *struct {
		WABAID string `json:"waba_id"`
	} `json:"waba_info"`
	BanInfo *struct {
		WABABanState string   `json:"waba_ban_state"`
		WABABanDate  FlexTime `json:"waba_ban_date"`
	} `json:"ban_info"`
	RestrictionInfo []struct {
		RestrictionType string   `json:"restriction_type"`
		Expiration      FlexTime `json:"expiration"`
	} `json:"restriction_info"`
	ViolationInfo *struct {
		ViolationType string `json:"violation_type"`
	} `json:"violation_info"`
}
