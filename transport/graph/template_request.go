package graph

import (
	"strconv"
	"strings"
)

// Template component types and button sub-types of a template send.
const (
	ComponentHeader = "header"
	ComponentBody   = "body"
	ComponentButton = "button"

	ButtonSubTypeURL        = "url"
	ButtonSubTypeQuickReply = "quick_reply"
	ButtonSubTypeCopyCode   = "copy_code"
	ButtonSubTypeFlow       = "flow"
)

// TemplateObject sends an approved template: the only kind of message allowed outside the
// 24-hour customer-service window. Identity is (WABA, Name, Language.Code).
type TemplateObject struct {
	Name       string              `json:"name"`
	Language   TemplateLanguage    `json:"language"`
	Components []TemplateComponent `json:"components,omitempty"`
}

// TemplateLanguage names the translation; Policy ("deterministic") is optional in practice.
type TemplateLanguage struct {
	Code   string `json:"code"`
	Policy string `json:"policy,omitempty"`
}

// TemplateComponent fills one part of a template. Buttons carry SubType and Index, a
// string ("0", "1", …) in Meta's API even though it is a position.
type TemplateComponent struct {
	Type       string              `json:"type"`
	SubType    string              `json:"sub_type,omitempty"`
	Index      string              `json:"index,omitempty"`
	Parameters []TemplateParameter `json:"parameters,omitempty"`
}

// TemplateParameter is one value. Type names the member that is set; ParameterName is
// required for templates whose parameter_format is NAMED.
type TemplateParameter struct {
	Type          string            `json:"type"`
	ParameterName string            `json:"parameter_name,omitempty"`
	Text          string            `json:"text,omitempty"`
	Payload       string            `json:"payload,omitempty"`
	Currency      *Currency         `json:"currency,omitempty"`
	DateTime      *DateTime         `json:"date_time,omitempty"`
	Image         *MediaObject      `json:"image,omitempty"`
	Video         *MediaObject      `json:"video,omitempty"`
	Document      *MediaObject      `json:"document,omitempty"`
	Location      *TemplateLocation `json:"location,omitempty"`
	CouponCode    string            `json:"coupon_code,omitempty"`
	Product       *TemplateProduct  `json:"product,omitempty"`
	Action        *TemplateAction   `json:"action,omitempty"`
}

// Media is the object an image, video or document parameter carries (nil when absent); ok
// is false for the other types.
func (p *TemplateParameter) Media() (m *MediaObject, ok bool) {
	return mediaOfType(p.Type, p.Image, p.Video, p.Document)
}

// TemplateLocation fills a LOCATION header.
type TemplateLocation struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Name      string  `json:"name,omitempty"`
	Address   string  `json:"address,omitempty"`
}

// TemplateProduct names the product of a single-product (SPM) template's header.
type TemplateProduct struct {
	ProductRetailerID string `json:"product_retailer_id"`
	CatalogID         string `json:"catalog_id,omitempty"`
}

// Currency is a localised amount; Amount1000 is the amount times 1000.
type Currency struct {
	FallbackValue string `json:"fallback_value"`
	Code          string `json:"code"`
	Amount1000    int64  `json:"amount_1000"`
}

// DateTime is shown as FallbackValue (Meta no longer localises it).
type DateTime struct {
	FallbackValue string `json:"fallback_value"`
}

// TemplateAction parameterises catalog and flow buttons.
type TemplateAction struct {
	ThumbnailProductRetailerID string         `json:"thumbnail_product_retailer_id,omitempty"`
	FlowToken                  string         `json:"flow_token,omitempty"`
	FlowActionData             map[string]any `json:"flow_action_data,omitempty"`
}

// HeaderComponent fills the template header (one text or media parameter).
func HeaderComponent(params ...TemplateParameter) TemplateComponent {
	return TemplateComponent{Type: ComponentHeader, Parameters: params}
}

// BodyComponent fills the body's {{n}} or {{name}} placeholders, in order.
func BodyComponent(params ...TemplateParameter) TemplateComponent {
	return TemplateComponent{Type: ComponentBody, Parameters: params}
}

// ButtonComponent fills the button at index (0-based) of the given sub-type.
func ButtonComponent(subType string, index int, params ...TemplateParameter) TemplateComponent {
	return TemplateComponent{Type: ComponentButton, SubType: subType, Index: strconv.Itoa(index), Parameters: params}
}

// TextParam is a positional text parameter.
func TextParam(text string) TemplateParameter { return TemplateParameter{Type: "text", Text: text} }

// NamedTextParam is a text parameter of a NAMED template.
func NamedTextParam(name, text string) TemplateParameter {
	return TemplateParameter{Type: "text", ParameterName: name, Text: text}
}

// PayloadParam is the payload a quick-reply button returns when tapped.
func PayloadParam(payload string) TemplateParameter {
	return TemplateParameter{Type: "payload", Payload: payload}
}

// CurrencyParam is a currency parameter (amount1000 = amount × 1000).
func CurrencyParam(fallback, code string, amount1000 int64) TemplateParameter {
	return TemplateParameter{Type: "currency", Currency: &Currency{FallbackValue: fallback, Code: code, Amount1000: amount1000}}
}

// DateTimeParam is a date_time parameter.
func DateTimeParam(fallback string) TemplateParameter {
	return TemplateParameter{Type: "date_time", DateTime: &DateTime{FallbackValue: fallback}}
}

// ImageParam, VideoParam and DocumentParam are media header parameters (by id or link).
func ImageParam(m MediaObject) TemplateParameter { return TemplateParameter{Type: "image", Image: &m} }

// VideoParam is a video header parameter.
func VideoParam(m MediaObject) TemplateParameter { return TemplateParameter{Type: "video", Video: &m} }

// DocumentParam is a document header parameter.
func DocumentParam(m MediaObject) TemplateParameter {
	return TemplateParameter{Type: "document", Document: &m}
}

// TemplateTextRule is Meta's rule on a template's text parameter, in Meta's words.
const TemplateTextRule = "cannot have new-line/tab characters or more than 4 consecutive spaces"

// TemplateTextOK reports whether text may fill a template's text parameter: Meta refuses
// one holding a line break or a tab, or more than four spaces in a row (error 132018, "Param
// text cannot have new-line/tab characters or more than 4 consecutive spaces"); the
// template's own text keeps the line breaks it was approved with.
func TemplateTextOK(text string) bool {
	return !strings.ContainsAny(text, "\n\r\t") && !strings.Contains(text, "     ")
}
