package fakemeta

import (
	"github.com/switchboard/switchboard/transport/graph"
)

// interactiveTypes are the interactive message types Meta accepts.
const interactiveTypes = "BUTTON, LIST, CTA_URL, FLOW, PRODUCT, PRODUCT_LIST, CATALOG_MESSAGE, LOCATION_REQUEST_MESSAGE, ADDRESS_MESSAGE"

func knownInteractive(t string) bool {
	switch t {
	case "button", "list", "cta_url", "flow", "product", "product_list", "catalog_message", "location_request_message", "address_message":
		return true
	}
	return false
}

func validateInteractive(in *graph.InteractiveObject) *graph.APIError {
	if in != nil && !knownInteractive(in.Type) {
		return invalidParam("Param interactive['type'] must be one of {%s} - got %q.", interactiveTypes, in.Type)
	}
	p := graph.ValidateInteractive(in)
	switch {
	case p == nil:
		return headerMedia(in.Header)
	case p.Required:
		return invalidParam("The parameter %s is required.", p.MetaPath())
	}
	return invalidParam("Param %s %s.", p.MetaPath(), p.Rule)
}

// headerMedia checks how a media header names its media, as a media message's must (graph
// checked the header has its image, video or document).
func headerMedia(h *graph.InteractiveHeader) *graph.APIError {
	if h == nil {
		return nil
	}
	if m, ok := h.Media(); ok && m != nil {
		return mediaSource("interactive['header']['"+h.Type+"']", m)
	}
	return nil
}
