package graph

// MessagingProduct is the only messaging_product the Cloud API accepts.
const MessagingProduct = "whatsapp"

// RecipientIndividual is the default recipient_type; "group" addresses a group.
const RecipientIndividual = "individual"

// Message types a send may carry (the member of SendRequest named by Type).
const (
	TypeText        = "text"
	TypeImage       = "image"
	TypeVideo       = "video"
	TypeAudio       = "audio"
	TypeDocument    = "document"
	TypeSticker     = "sticker"
	TypeTemplate    = "template"
	TypeInteractive = "interactive"
	TypeReaction    = "reaction"
	TypeLocation    = "location"
	TypeContacts    = "contacts"
)

// SendRequest is the body of POST /{version}/{phone_number_id}/messages for a message.
// Exactly one of To (a phone number, best with + and country code) or Recipient (a
// business-scoped user id, BSUID) addresses the user. Only the member named by Type is set.
// Empty optional fields are omitted, so a request marshals to what Meta documents.
type SendRequest struct {
	MessagingProduct string        `json:"messaging_product"`
	RecipientType    string        `json:"recipient_type,omitempty"`
	To               string        `json:"to,omitempty"`
	Recipient        string        `json:"recipient,omitempty"`
	Context          *ReplyContext `json:"context,omitempty"`
	Type             string        `json:"type"`

	Text        *TextObject        `json:"text,omitempty"`
	Image       *MediaObject       `json:"image,omitempty"`
	Video       *MediaObject       `json:"video,omitempty"`
	Audio       *MediaObject       `json:"audio,omitempty"`
	Document    *MediaObject       `json:"document,omitempty"`
	Sticker     *MediaObject       `json:"sticker,omitempty"`
	Template    *TemplateObject    `json:"template,omitempty"`
	Interactive *InteractiveObject `json:"interactive,omitempty"`
	Reaction    *ReactionObject    `json:"reaction,omitempty"`

	// BizOpaqueCallbackData (≤512 chars) is echoed in every status webhook of the message:
	// it correlates a status with our outbox row even before the send response (and its
	// wamid) has come back.
	BizOpaqueCallbackData string `json:"biz_opaque_callback_data,omitempty"`
}

// ReplyContext makes a message a quoted reply to an earlier message.
type ReplyContext struct {
	MessageID string `json:"message_id"`
}

// TextObject is a text message. PreviewURL is a pointer because Meta distinguishes an
// explicit false from absence in what we send (and the fixtures keep both forms).
type TextObject struct {
	PreviewURL *bool  `json:"preview_url,omitempty"`
	Body       string `json:"body"`
}

// MediaObject is an image, video, audio, document or sticker sent by uploaded ID (faster,
// recommended for throughput) or by Link (Meta fetches and caches it for 10 minutes).
// Caption is not allowed on audio and stickers; Filename only on documents.
type MediaObject struct {
	ID       string `json:"id,omitempty"`
	Link     string `json:"link,omitempty"`
	Caption  string `json:"caption,omitempty"`
	Filename string `json:"filename,omitempty"`
}

// MaxCaption is Meta's limit on a media caption, in characters (WHATSAPP.md §3).
const MaxCaption = 1024

// CaptionAllowed reports whether a media message of type kind may carry a caption: not
// audio, not stickers.
func CaptionAllowed(kind string) bool { return kind != TypeAudio && kind != TypeSticker }

// FilenameAllowed reports whether a media message of type kind may name its file: documents only.
func FilenameAllowed(kind string) bool { return kind == TypeDocument }

// ReactionObject reacts to a message of the user. Emoji is always sent: "" removes the
// reaction, so it cannot be omitempty.
type ReactionObject struct {
	MessageID string `json:"message_id"`
	Emoji     string `json:"emoji"`
}
