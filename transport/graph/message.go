package graph

import json "github.com/goccy/go-json"

// Message is one inbound message. The type-specific member named by Type is kept raw for
// storage and display; the few fields the engine reads (text, captions, reactions, context)
// are decoded.
type Message struct {
	From       string    `json:"from"`
	FromUserID string    `json:"from_user_id"`
	ID         string    `json:"id"`
	Timestamp  Timestamp `json:"timestamp"`
	Type       string    `json:"type"`
	GroupID    string    `json:"group_id"`

	Context  *MessageContext `json:"context"`
	Referral json.RawMessage `json:"referral"`
	Errors   []Error         `json:"errors"`

	Text        *Text           `json:"text"`
	Image       *Media          `json:"image"`
	Video       *Media          `json:"video"`
	Audio       *Media          `json:"audio"`
	Document    *Media          `json:"document"`
	Sticker     *Media          `json:"sticker"`
	Location    *Location       `json:"location"`
	Contacts    json.RawMessage `json:"contacts"`
	Interactive *Interactive    `json:"interactive"`
	Button      *Button         `json:"button"`
	Reaction    *Reaction       `json:"reaction"`
	Order       json.RawMessage `json:"order"`
	System      *System         `json:"system"`
	Revoke      json.RawMessage `json:"revoke"`
	Edit        json.RawMessage `json:"edit"`

	// Raw is the message object exactly as Meta sent it (kept while decoding, so callers
	// that store the type-specific member need not decode the change a second time).
	Raw json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes the message and keeps a copy of its bytes in Raw.
func (m *Message) UnmarshalJSON(b []byte) error {
	type plain Message // no methods: decodes field by field without recursing here
	if err := json.Unmarshal(b, (*plain)(m)); err != nil {
		return err
	}
	m.Raw = append(json.RawMessage(nil), b...)
	return nil
}

// MessageContext links a message to an earlier one: a reply (From+ID), a forward, or a
// product inquiry.
type MessageContext struct {
	From                string `json:"from"`
	ID                  string `json:"id"`
	Forwarded           bool   `json:"forwarded"`
	FrequentlyForwarded bool   `json:"frequently_forwarded"`
	// ReferredProduct is kept raw: a shape the engine does not expect must not make the
	// whole message undecodable. Product reads it.
	ReferredProduct json.RawMessage `json:"referred_product"`
}

// ReferredProduct is the catalog item a product inquiry asks about (WHATSAPP.md §1.5).
type ReferredProduct struct {
	CatalogID         FlexString `json:"catalog_id"`
	ProductRetailerID FlexString `json:"product_retailer_id"`
}

// Product is the product a product inquiry refers to; nil when the context names none (or
// names it in a shape that is not a product).
func (c *MessageContext) Product() *ReferredProduct {
	var p ReferredProduct
	if len(c.ReferredProduct) == 0 || json.Unmarshal(c.ReferredProduct, &p) != nil || (p.CatalogID == "" && p.ProductRetailerID == "") {
		return nil
	}
	return &p
}

// Text is a text message's body.
type Text struct {
	Body string `json:"body"`
}

// Media is an inbound image, video, audio, document or sticker. The id is downloadable for
// 7 days; URL is optional (rolled out since late 2025) and needs a bearer token.
type Media struct {
	ID       string `json:"id"`
	MimeType string `json:"mime_type"`
	SHA256   string `json:"sha256"`
	Caption  string `json:"caption"`
	Filename string `json:"filename"`
	URL      string `json:"url"`
	Voice    bool   `json:"voice"`
	Animated bool   `json:"animated"`
}

// Location is a shared location.
type Location struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Name      string  `json:"name"`
	Address   string  `json:"address"`
	URL       string  `json:"url"`
}

// Interactive is the user's answer to buttons, a list or a flow.
type Interactive struct {
	Type        string `json:"type"`
	ButtonReply *struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	} `json:"button_reply"`
	ListReply *struct {
		ID          string `json:"id"`
		Title       string `json:"title"`
		Description string `json:"description"`
	} `json:"list_reply"`
	NFMReply *struct {
		Name         string `json:"name"`
		Body         string `json:"body"`
		ResponseJSON string `json:"response_json"`
	} `json:"nfm_reply"`
}

// Button is a tap on a template's quick-reply button.
type Button struct {
	Payload string `json:"payload"`
	Text    string `json:"text"`
}

// Reaction is an emoji on an earlier message; Emoji is absent when the user removed it.
type Reaction struct {
	MessageID string `json:"message_id"`
	Emoji     string `json:"emoji"`
}

// System is a notice such as user_changed_number (no contacts block comes with it).
type System struct {
	Body string `json:"body"`
	WaID string `json:"wa_id"`
	Type string `json:"type"`
}

// Preview is a short human text for inbox lists and search: the body, caption, title or a
// label for the type.
func (m *Message) Preview() string {
	switch {
	case m.Text != nil:
		return m.Text.Body
	case m.Interactive != nil && m.Interactive.ButtonReply != nil:
		return m.Interactive.ButtonReply.Title
	case m.Interactive != nil && m.Interactive.ListReply != nil:
		return m.Interactive.ListReply.Title
	case m.Interactive != nil && m.Interactive.NFMReply != nil:
		return m.Interactive.NFMReply.Body
	case m.Button != nil:
		return m.Button.Text
	case m.Reaction != nil && m.Reaction.Emoji != "":
		return m.Reaction.Emoji
	case m.Reaction != nil:
		return "[reaction removed]"
	case m.System != nil:
		return m.System.Body
	case m.Location != nil && m.Location.Name != "":
		return m.Location.Name
	}
	for _, media := range []*Media{m.Image, m.Video, m.Document, m.Audio, m.Sticker} {
		if media != nil && media.Caption != "" {
			return media.Caption
		}
		if media != nil && media.Filename != "" {
			return media.Filename
		}
	}
	return "[" + m.Type + "]"
}
