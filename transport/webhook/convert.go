package webhook

import (
	"log/slog"
	"time"

	json "github.com/goccy/go-json"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/transport/graph"
)

// toMessage converts an inbound message to the domain's record. raw is the message object
// as Meta sent it, from which the type-specific member is kept verbatim; received is when
// its webhook arrived, which stands in for an implausible timestamp (graph.Timestamp.At).
func toMessage(m *graph.Message, raw json.RawMessage, received time.Time) actors.Message {
	out := actors.Message{
		ID: m.ID, WAMID: m.ID, Type: m.Type, Text: m.Preview(),
		Timestamp: m.Timestamp.At(received), Referral: m.Referral,
	}
	if m.Context != nil {
		out.Context = &actors.MessageContext{
			ReplyTo: m.Context.ID, Forwarded: m.Context.Forwarded, FrequentlyForwarded: m.Context.FrequentlyForwarded,
		}
		if p := m.Context.Product(); p != nil {
			out.Context.ReferredProduct = &actors.ReferredProduct{CatalogID: string(p.CatalogID), ProductRetailerID: string(p.ProductRetailerID)}
		}
	}
	if len(m.Errors) > 0 {
		out.Error = toError(m.Errors[0])
	}
	// A text's body is already Text; every other type keeps its member as Meta sent it.
	if m.Type != "text" {
		var members map[string]json.RawMessage
		if err := json.Unmarshal(raw, &members); err == nil {
			out.Content = members[m.Type]
		}
	}
	return out
}

func toError(e graph.Error) *actors.MessageError {
	title := e.Title
	if title == "" {
		title = e.Message
	}
	return &actors.MessageError{Code: e.Code, Title: title, Details: e.ErrorData.Details, Reason: actors.ReasonMeta}
}

func toStatus(s *graph.Status, received time.Time) actors.StatusUpdate {
	out := actors.StatusUpdate{
		WAMID: s.ID, Status: s.Status, Timestamp: s.Timestamp.At(received), CallbackData: s.BizOpaqueCallbackData,
	}
	if len(s.Errors) > 0 {
		out.Error = toError(s.Errors[0])
		out.PausesSends = s.Status == graph.StatusFailed && graph.PausesSends(s.Errors[0].Code)
		out.Retryable = s.Status == graph.StatusFailed && graph.RetryableFailure(s.Errors[0].Code)
	}
	if s.Pricing != nil {
		out.Pricing = &actors.Pricing{Billable: s.Pricing.Billable, Model: s.Pricing.PricingModel, Type: s.Pricing.Type, Category: s.Pricing.Category}
	}
	return out
}

func toPreference(up *graph.UserPreference, received time.Time) actors.PreferenceUpdate {
	return actors.PreferenceUpdate{Category: up.Category, Value: up.Value, Timestamp: up.Timestamp.At(received)}
}

// tenantEvent converts a non-message change; fields the engine does not interpret are still
// recorded, raw, as events. A value that does not decode is an error (a dead letter), but an
// optional date that is not one is only logged: the event goes on without it. received is
// when the webhook arrived (it stands in for an implausible entry time).
func tenantEvent(log *slog.Logger, wabaID string, e graph.Entry, c graph.Change, received time.Time) (actors.TenantEvent, error) {
	ev := actors.TenantEvent{Field: c.Field, WABAID: wabaID, Time: e.Time.At(received), Raw: c.Value}
	switch c.Field {
	case graph.FieldTemplateStatusUpdate:
		var v graph.TemplateStatusUpdate
		if err := c.DecodeValue(&v); err != nil {
			return ev, err
		}
		ev.Template = &actors.TemplateUpdate{ID: v.MessageTemplateID, Name: v.MessageTemplateName,
			Language: v.MessageTemplateLanguage, Status: actors.TemplateStatusOf(v.Event), Event: v.Event,
			Reason: v.Reason, Category: v.MessageTemplateCategory}
		if v.DisableInfo != nil {
			unparsedDate(log, c, "disable_info.disable_date", v.DisableInfo.DisableDate)
		}
	case graph.FieldTemplateCategoryUpdate:
		var v graph.TemplateCategoryUpdate
		if err := c.DecodeValue(&v); err != nil {
			return ev, err
		}
		u := &actors.TemplateUpdate{ID: v.MessageTemplateID, Name: v.MessageTemplateName, Language: v.MessageTemplateLanguage,
			PreviousCategory: v.PreviousCategory, CorrectCategory: v.CorrectCategory, CategoryChangeAt: v.CategoryUpdateTimestamp.Time()}
		if v.PreviousCategory != "" { // done: new_category is the category now
			u.Category = v.NewCategory
		}
		unparsedDate(log, c, "category_update_timestamp", v.CategoryUpdateTimestamp)
		ev.Template = u
	case graph.FieldMessageTemplateComponents:
		var v graph.TemplateComponentsUpdate
		if err := c.DecodeValue(&v); err != nil {
			return ev, err
		}
		ev.TemplateEdit = &actors.TemplateRef{Name: v.MessageTemplateName, Language: v.MessageTemplateLanguage}
	case graph.FieldPhoneNumberQualityUpdate:
		var v graph.PhoneNumberQualityUpdate
		if err := c.DecodeValue(&v); err != nil {
			return ev, err
		}
		ev.Quality = &actors.QualityUpdate{DisplayPhoneNumber: v.DisplayPhoneNumber, Event: v.Event,
			CurrentLimit: string(v.CurrentLimit), OldLimit: string(v.OldLimit), MaxDaily: string(v.MaxDailyConversationsPerBusiness)}
	case graph.FieldAccountUpdate:
		var v graph.AccountUpdate
		if err := c.DecodeValue(&v); err != nil {
			return ev, err
		}
		a := &actors.AccountEvent{Event: v.Event}
		switch {
		case v.BanInfo != nil:
			a.Detail, a.BanDate = v.BanInfo.WABABanState, v.BanInfo.WABABanDate.Time()
			unparsedDate(log, c, "ban_info.waba_ban_date", v.BanInfo.WABABanDate)
		case v.ViolationInfo != nil:
			a.Detail = v.ViolationInfo.ViolationType
		case len(v.RestrictionInfo) > 0:
			a.Detail, a.Expires = v.RestrictionInfo[0].RestrictionType, v.RestrictionInfo[0].Expiration.Time()
		}
		for _, r := range v.RestrictionInfo {
			unparsedDate(log, c, "restriction_info.expiration", r.Expiration)
			a.Restrictions = append(a.Restrictions, actors.AccountRestriction{Type: r.RestrictionType, Expires: r.Expiration.Time()})
		}
		ev.Account = a
	case graph.FieldBusinessCapabilityUpdate:
		var v graph.BusinessCapabilityUpdate
		if err := c.DecodeValue(&v); err != nil {
			return ev, err
		}
		ev.Capability = map[string]string{}
		for k, val := range map[string]graph.FlexString{
			"max_daily_conversations_per_business": v.MaxDailyConversationsPerBusiness,
			"max_daily_conversation_per_phone":     v.MaxDailyConversationPerPhone,
			"max_phone_numbers_per_business":       v.MaxPhoneNumbersPerBusiness,
			"max_phone_numbers_per_waba":           v.MaxPhoneNumbersPerWABA,
		} {
			if val != "" {
				ev.Capability[k] = string(val)
			}
		}
	}
	return ev, nil
}

// maxLoggedValue bounds how much of a value a log line quotes.
const maxLoggedValue = 64

// unparsedDate logs an optional date Meta wrote in a form the engine does not read.
func unparsedDate(log *slog.Logger, c graph.Change, member string, f graph.FlexTime) {
	s := f.Unparsed()
	if s == "" {
		return
	}
	if len(s) > maxLoggedValue {
		s = s[:maxLoggedValue] + "…"
	}
	log.Warn("webhook date not understood; event kept without it", "field", c.Field, "member", member, "value", s)
}

// accountWABAID is the WABA an account_update names in value.waba_info, or "" when it names
// none (or its value does not decode: tenantEvent says why).
func accountWABAID(c graph.Change) string {
	var v graph.AccountUpdate
	if err := c.DecodeValue(&v); err != nil || v.WABAInfo == nil {
		return ""
	}
	return v.WABAInfo.WABAID
}
