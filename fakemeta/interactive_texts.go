package fakemeta

import (
	"strings"

	"github.com/switchboard/switchboard/transport/graph"
)

// checkInteractiveTexts checks what surrounds an interactive message's action, as Meta
// does before looking at the action: the body (required on every kind but a single
// product, which shows the product instead), the header (a list's is text only; the others
// may show an image, a video or a document, named as a media message names its media) and
// the footer (text when present).
func checkInteractiveTexts(in *graph.InteractiveObject) *graph.APIError {
	bodyRequired := in.Type != "product"
	switch {
	case in.Body == nil || blankText(in.Body.Text):
		if bodyRequired {
			return missingParam("interactive['body']['text']")
		}
	default:
		limit := maxInteractiveBodyText
		if in.Type == graph.InteractiveList {
			limit = maxListBodyText
		}
		if e := longerThan("interactive['body']['text']", in.Body.Text, limit); e != nil {
			return e
		}
	}
	if e := checkInteractiveHeader(in.Type, in.Header); e != nil {
		return e
	}
	if in.Footer != nil {
		if blankText(in.Footer.Text) {
			return missingParam("interactive['footer']['text']")
		}
		return longerThan("interactive['footer']['text']", in.Footer.Text, maxInteractiveFooter)
	}
	return nil
}

// checkInteractiveHeader checks an optional header: its type allowed for the kind, a text
// header's text, a media header's object.
func checkInteractiveHeader(kind string, h *graph.InteractiveHeader) *graph.APIError {
	if h == nil {
		return nil
	}
	const at = "interactive['header']"
	if kind == graph.InteractiveList && h.Type != "text" {
		return invalidParam("Param %s['type'] must be text for a list message - got %q.", at, h.Type)
	}
	switch h.Type {
	case "text":
		if blankText(h.Text) {
			return missingParam(at + "['text']")
		}
		return longerThan(at+"['text']", h.Text, maxInteractiveHeader)
	case graph.TypeImage:
		return mediaSource(at+"['image']", h.Image)
	case graph.TypeVideo:
		return mediaSource(at+"['video']", h.Video)
	case graph.TypeDocument:
		return mediaSource(at+"['document']", h.Document)
	}
	return invalidParam("Param %s['type'] must be one of {TEXT, IMAGE, VIDEO, DOCUMENT} - got %q.", at, h.Type)
}

// missingParam is Meta's 100 for a required member that is absent or empty.
func missingParam(at string) *graph.APIError {
	return invalidParam("The parameter %s is required.", at)
}

// longerThan is Meta's 100 for a text over its limit in characters (not bytes: Meta counts
// what the user sees, and an emoji is one), or nil.
func longerThan(at, text string, limit int) *graph.APIError {
	if runes(text) > limit {
		return invalidParam("Param %s must be at most %d characters long.", at, limit)
	}
	return nil
}

// blankText reports a visible text with nothing to show: Meta refuses a label or body of
// spaces as it refuses an empty one.
func blankText(s string) bool { return strings.TrimSpace(s) == "" }
