package graph

// Interactive message types we build (Meta has more: cta_url, flow, product, …, which fit
// the same shape through InteractiveAction.Name and Parameters).
const (
	InteractiveButton = "button"
	InteractiveList   = "list"
)

// Limits Meta enforces on interactive messages (fakemeta checks the same numbers).
const (
	MaxReplyButtons     = 3
	MaxButtonTitle      = 20
	MaxListRows         = 10
	MaxListSections     = 10
	MaxListButtonLabel  = 20
	MaxRowTitle         = 24
	MaxRowDescription   = 72
	MaxInteractiveBody  = 1024 // reply buttons and the types without a limit of their own
	MaxListBody         = 4096
	MaxInteractiveTexts = 60 // header text and footer
)

// InteractiveObject is a reply-button or list message (or another interactive type).
type InteractiveObject struct {
	Type   string             `json:"type"`
	Header *InteractiveHeader `json:"header,omitempty"`
	Body   *InteractiveText   `json:"body,omitempty"`
	Footer *InteractiveText   `json:"footer,omitempty"`
	Action InteractiveAction  `json:"action"`
}

// InteractiveHeader is a text or media header.
type InteractiveHeader struct {
	Type     string       `json:"type"`
	Text     string       `json:"text,omitempty"`
	Image    *MediaObject `json:"image,omitempty"`
	Video    *MediaObject `json:"video,omitempty"`
	Document *MediaObject `json:"document,omitempty"`
}

// Media is the object a media header of its type carries (nil when absent); ok is false for
// a text header or a type no header has.
func (h *InteractiveHeader) Media() (m *MediaObject, ok bool) {
	return mediaOfType(h.Type, h.Image, h.Video, h.Document)
}

// mediaOfType picks the object of the media type typ (a header's or a template parameter's);
// ok is false when typ is not image, video or document.
func mediaOfType(typ string, image, video, document *MediaObject) (*MediaObject, bool) {
	switch typ {
	case TypeImage:
		return image, true
	case TypeVideo:
		return video, true
	case TypeDocument:
		return document, true
	}
	return nil, false
}

// InteractiveText is a body or footer.
type InteractiveText struct {
	Text string `json:"text"`
}

// InteractiveAction holds the buttons (type button) or the list (type list: Button is the
// label of the button that opens it).
type InteractiveAction struct {
	Button     string         `json:"button,omitempty"`
	Buttons    []ReplyButton  `json:"buttons,omitempty"`
	Sections   []ListSection  `json:"sections,omitempty"`
	Name       string         `json:"name,omitempty"`
	Parameters map[string]any `json:"parameters,omitempty"`
}

// ReplyButton is a quick-reply button; the user's tap comes back as button_reply with ID.
type ReplyButton struct {
	Type  string     `json:"type"`
	Reply ReplyTitle `json:"reply"`
}

// ReplyTitle is a button's id and visible title (≤20 chars).
type ReplyTitle struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// ListSection groups rows; Title is required when there is more than one section.
type ListSection struct {
	Title string    `json:"title,omitempty"`
	Rows  []ListRow `json:"rows"`
}

// ListRow is one choice; the user's pick comes back as list_reply with ID.
type ListRow struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

// NewReplyButton is a reply button with id and title.
func NewReplyButton(id, title string) ReplyButton {
	return ReplyButton{Type: "reply", Reply: ReplyTitle{ID: id, Title: title}}
}

// ButtonsInteractive is a body text with up to three reply buttons.
func ButtonsInteractive(body string, buttons ...ReplyButton) InteractiveObject {
	return InteractiveObject{Type: InteractiveButton, Body: &InteractiveText{Text: body}, Action: InteractiveAction{Buttons: buttons}}
}

// ListInteractive is a body text and a list opened by a button labelled button.
func ListInteractive(body, button string, sections ...ListSection) InteractiveObject {
	return InteractiveObject{Type: InteractiveList, Body: &InteractiveText{Text: body}, Action: InteractiveAction{Button: button, Sections: sections}}
}
