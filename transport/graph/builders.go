package graph

// NewMessage starts a send to a phone number (to: + and country code, or Meta prepends the
// business number's country code). Set the content with one of the With… methods.
func NewMessage(to string) *SendRequest {
	return &SendRequest{MessagingProduct: MessagingProduct, RecipientType: RecipientIndividual, To: to}
}

// NewMessageToUser starts a send addressed by business-scoped user id (BSUID), for users
// who hide their phone number behind a username.
func NewMessageToUser(userID string) *SendRequest {
	return &SendRequest{MessagingProduct: MessagingProduct, RecipientType: RecipientIndividual, Recipient: userID}
}

// WithText makes r a text message without an explicit preview_url.
func (r *SendRequest) WithText(body string) *SendRequest {
	r.Type, r.Text = TypeText, &TextObject{Body: body}
	return r
}

// WithTextPreview makes r a text message, saying explicitly whether to render a link preview.
func (r *SendRequest) WithTextPreview(body string, previewURL bool) *SendRequest {
	r.Type, r.Text = TypeText, &TextObject{Body: body, PreviewURL: &previewURL}
	return r
}

// WithImage makes r an image message.
func (r *SendRequest) WithImage(m MediaObject) *SendRequest {
	r.Type, r.Image = TypeImage, &m
	return r
}

// WithVideo makes r a video message.
func (r *SendRequest) WithVideo(m MediaObject) *SendRequest {
	r.Type, r.Video = TypeVideo, &m
	return r
}

// WithAudio makes r an audio message (no caption).
func (r *SendRequest) WithAudio(m MediaObject) *SendRequest {
	r.Type, r.Audio = TypeAudio, &m
	return r
}

// WithDocument makes r a document message.
func (r *SendRequest) WithDocument(m MediaObject) *SendRequest {
	r.Type, r.Document = TypeDocument, &m
	return r
}

// WithSticker makes r a sticker message.
func (r *SendRequest) WithSticker(m MediaObject) *SendRequest {
	r.Type, r.Sticker = TypeSticker, &m
	return r
}

// WithTemplate makes r a template message.
func (r *SendRequest) WithTemplate(t TemplateObject) *SendRequest {
	r.Type, r.Template = TypeTemplate, &t
	return r
}

// WithInteractive makes r an interactive message.
func (r *SendRequest) WithInteractive(i InteractiveObject) *SendRequest {
	r.Type, r.Interactive = TypeInteractive, &i
	return r
}

// WithReaction makes r a reaction to the user's message wamid; emoji "" removes it.
func (r *SendRequest) WithReaction(wamid, emoji string) *SendRequest {
	r.Type, r.Reaction = TypeReaction, &ReactionObject{MessageID: wamid, Emoji: emoji}
	return r
}

// InReplyTo quotes the message wamid.
func (r *SendRequest) InReplyTo(wamid string) *SendRequest {
	r.Context = &ReplyContext{MessageID: wamid}
	return r
}

// WithCallbackData sets biz_opaque_callback_data, echoed in the message's status webhooks.
func (r *SendRequest) WithCallbackData(data string) *SendRequest {
	r.BizOpaqueCallbackData = data
	return r
}

// NewTemplate names a template and its language, with its filled components.
func NewTemplate(name, language string, components ...TemplateComponent) TemplateObject {
	return TemplateObject{Name: name, Language: TemplateLanguage{Code: language}, Components: components}
}
