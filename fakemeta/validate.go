package fakemeta

import (
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/switchboard/switchboard/transport/graph"
)

// Meta's size limits on a send (WHATSAPP.md §2; interactive limits in interactive_limits.go).
const (
	maxTextBody     = 4096
	maxCallbackData = 512
	// maxMediaCaption is the caption limit Meta's media message pages give (image, video
	// and document messages: 1,024 characters), kept apart from the engine's graph.MaxCaption
	// so a wrong limit on one side shows (TestCaptionLimitAgreesWithEngine).
	maxMediaCaption = 1024
)

// validateSend checks a send like Meta does before accepting it: the first problem is
// answered with error 100 whose details name it in Meta's words.
func validateSend(p *sendProbe) *graph.APIError {
	r := &p.SendRequest
	switch {
	case r.MessagingProduct == "":
		return invalidParam("The parameter messaging_product is required.")
	case r.MessagingProduct != graph.MessagingProduct:
		return invalidParam("Param messaging_product must be one of {WHATSAPP} - got %q.", r.MessagingProduct)
	case r.RecipientType != "" && r.RecipientType != graph.RecipientIndividual && r.RecipientType != "group":
		return invalidParam("Param recipient_type must be one of {INDIVIDUAL, GROUP} - got %q.", r.RecipientType)
	case r.To == "" && r.Recipient == "":
		return invalidParam("The parameter to is required.")
	case r.To != "" && r.Recipient != "":
		return invalidParam("Params to and recipient cannot both be set.")
	case r.To != "" && !plausiblePhone(r.To):
		return invalidParam("Param to must be a phone number - got %q.", r.To)
	case r.Recipient != "" && !bsuidPattern.MatchString(r.Recipient):
		return invalidParam("Param recipient must be a business-scoped user ID - got %q.", r.Recipient)
	case r.Context != nil && r.Context.MessageID == "":
		return invalidParam("The parameter context['message_id'] is required.")
	case runes(r.BizOpaqueCallbackData) > maxCallbackData:
		return invalidParam("Param biz_opaque_callback_data must be at most %d characters long.", maxCallbackData)
	}
	if r.Type == "" {
		r.Type = graph.TypeText // Meta's default
	}
	switch r.Type {
	case graph.TypeText:
		return validateText(r.Text)
	case graph.TypeImage, graph.TypeVideo, graph.TypeAudio, graph.TypeDocument, graph.TypeSticker:
		return validateMedia(r.Type, mediaOf(r))
	case graph.TypeTemplate:
		return validateTemplateShape(r.Template)
	case graph.TypeInteractive:
		return validateInteractive(r.Interactive)
	case graph.TypeReaction:
		if r.Reaction == nil || r.Reaction.MessageID == "" {
			return invalidParam("The parameter reaction['message_id'] is required.")
		}
		return nil
	case graph.TypeLocation:
		return validateLocation(p.Location)
	case graph.TypeContacts:
		return validateContacts(p.Contacts)
	}
	return invalidParam("Param type must be one of {AUDIO, CONTACTS, DOCUMENT, IMAGE, INTERACTIVE, LOCATION, REACTION, STICKER, TEMPLATE, TEXT, VIDEO} - got %q.", r.Type)
}

func validateText(t *graph.TextObject) *graph.APIError {
	if t == nil || blankText(t.Body) {
		return missingParam("text['body']")
	}
	return longerThan("text['body']", t.Body, maxTextBody)
}

func mediaOf(r *graph.SendRequest) *graph.MediaObject {
	switch r.Type {
	case graph.TypeImage:
		return r.Image
	case graph.TypeVideo:
		return r.Video
	case graph.TypeAudio:
		return r.Audio
	case graph.TypeDocument:
		return r.Document
	}
	return r.Sticker
}

func validateMedia(kind string, m *graph.MediaObject) *graph.APIError {
	if e := mediaSource(kind, m); e != nil {
		return e
	}
	switch {
	case m.Caption != "" && !graph.CaptionAllowed(kind):
		return invalidParam("Param %s['caption'] is not allowed for %s messages.", kind, kind)
	case runes(m.Caption) > maxMediaCaption:
		return invalidParam("Param %s['caption'] must be at most %d characters long.", kind, maxMediaCaption)
	case m.Filename != "" && !graph.FilenameAllowed(kind):
		return invalidParam("Param %s['filename'] is only allowed for document messages.", kind)
	}
	return nil
}

// validateTemplateShape checks the request alone; checkTemplate then compares it with the
// WABA's definition.
func validateTemplateShape(t *graph.TemplateObject) *graph.APIError {
	switch {
	case t == nil:
		return invalidParam("The parameter template is required.")
	case t.Name == "":
		return invalidParam("The parameter template['name'] is required.")
	case t.Language.Code == "":
		return invalidParam("The parameter template['language']['code'] is required.")
	}
	for i, c := range t.Components {
		switch c.Type {
		case graph.ComponentHeader, graph.ComponentBody, "footer", "carousel", "limited_time_offer":
		case graph.ComponentButton:
			if c.SubType == "" {
				return invalidParam("The parameter template['components'][%d]['sub_type'] is required.", i)
			}
			if !strings.Contains(buttonSubTypes, ", "+strings.ToUpper(c.SubType)+",") {
				return invalidParam("Param template['components'][%d]['sub_type'] must be one of {%s} - got %q.", i, strings.Trim(buttonSubTypes, ", "), c.SubType)
			}
			if len(c.Index) == 0 || strings.Trim(c.Index, "0123456789") != "" {
				return invalidParam("Param template['components'][%d]['index'] must be a number in a string - got %q.", i, c.Index)
			}
		default:
			return invalidParam("Param template['components'][%d]['type'] must be one of {HEADER, BODY, BUTTON, FOOTER, CAROUSEL, LIMITED_TIME_OFFER} - got %q.", i, c.Type)
		}
		for j, p := range c.Parameters {
			if p.Type == "" {
				return invalidParam("The parameter template['components'][%d]['parameters'][%d]['type'] is required.", i, j)
			}
			if p.Type == "text" && p.Text == "" {
				return invalidParam("The parameter template['components'][%d]['parameters'][%d]['text'] is required.", i, j)
			}
			if p.Type == "text" && !graph.TemplateTextOK(p.Text) {
				return apiError(132018, "Param text "+graph.TemplateTextRule)
			}
			if e := templateMedia(fmt.Sprintf("template['components'][%d]['parameters'][%d]", i, j), p); e != nil {
				return e
			}
		}
	}
	return nil
}

// buttonSubTypes are the sub_types Meta takes for a template's button component, as its
// error for another one lists them (v24: "must be one of {BOOKING_CONFIRMATION, CATALOG, …}
// - got \"phone_number\"", a phone number button taking no component).
const buttonSubTypes = ", BOOKING_CONFIRMATION, CATALOG, COPY_CODE, FLOW, MPM, ORDER_DETAILS, QUICK_REPLY, REMINDER, URL, VOICE_CALL,"

// templateMedia checks an image, video or document parameter as a media message's object is
// checked (mediaSource).
func templateMedia(at string, p graph.TemplateParameter) *graph.APIError {
	if m, ok := p.Media(); ok {
		return mediaSource(at+"['"+p.Type+"']", m)
	}
	return nil
}

// mediaSource checks how a media object at path at names its media, as Meta does for a
// media message, a media header and a media template parameter alike: present, with one of
// id and link, a link Meta can fetch.
func mediaSource(at string, m *graph.MediaObject) *graph.APIError {
	switch {
	case m == nil:
		return invalidParam("The parameter %s is required.", at)
	case m.ID == "" && m.Link == "":
		return invalidParam("Param %s must contain either id or link.", at)
	case m.ID != "" && m.Link != "":
		return invalidParam("Param %s must contain only one of id or link.", at)
	case m.Link != "" && !fetchable(m.Link):
		return invalidParam("Param %s['link'] must be a valid URL.", at)
	}
	return nil
}

// validateStatusRequest checks a mark-read / typing body. A message_id that is not a
// wamid is 131009, as Meta answers ids it cannot resolve.
func validateStatusRequest(p *sendProbe) *graph.APIError {
	switch {
	case p.MessagingProduct != graph.MessagingProduct:
		return invalidParam("Param messaging_product must be one of {WHATSAPP} - got %q.", p.MessagingProduct)
	case p.Status != graph.StatusRead:
		return invalidParam("Param status must be one of {READ} - got %q.", p.Status)
	case p.MessageID == "":
		return invalidParam("The parameter message_id is required.")
	case !strings.HasPrefix(p.MessageID, "wamid."):
		return apiError(131009, fmt.Sprintf("Invalid message_id %q.", p.MessageID))
	case p.TypingIndicator != nil && p.TypingIndicator.Type != "text":
		return invalidParam("Param typing_indicator['type'] must be one of {TEXT} - got %q.", p.TypingIndicator.Type)
	}
	return nil
}

// plausiblePhone accepts what Meta accepts in to: digits with an optional +, spaces,
// dashes, dots and parentheses, 7 to 15 digits.
func plausiblePhone(s string) bool {
	digits := 0
	for i, c := range s {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '+' && i == 0, c == ' ', c == '-', c == '(', c == ')', c == '.':
		default:
			return false
		}
	}
	return digits >= 7 && digits <= 15
}

// fetchable reports whether link is a URL Meta can fetch media from: absolute http(s) with a
// host ("https://" alone is not).
func fetchable(link string) bool {
	u, err := url.Parse(link)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

func runes(s string) int { return utf8.RuneCountInString(s) }
