package fakemeta

import (
	"fmt"

	"github.com/switchboard/switchboard/transport/graph"
)

// interactiveTypes are the interactive message types Meta accepts.
const interactiveTypes = "BUTTON, LIST, CTA_URL, FLOW, PRODUCT, PRODUCT_LIST, CATALOG_MESSAGE, LOCATION_REQUEST_MESSAGE, ADDRESS_MESSAGE"

// actionNames is the action name each interactive kind must carry ("" for none), by
// Meta's reference for each kind; button and list are checked by graph.
var actionNames = map[string]string{
	"button": "", "list": "", "product": "", "product_list": "",
	"cta_url": "cta_url", "flow": "flow", "catalog_message": "catalog_message",
	"location_request_message": "send_location", "address_message": "address_message",
}

// actionParameters are the action parameters a kind cannot go without.
var actionParameters = map[string][]string{
	"cta_url":         {"display_text", "url"},
	"flow":            {"flow_message_version", "flow_cta"},
	"address_message": {"country"},
}

func validateInteractive(in *graph.InteractiveObject) *graph.APIError {
	if in != nil {
		if _, known := actionNames[in.Type]; !known {
			return invalidParam("Param interactive['type'] must be one of {%s} - got %q.", interactiveTypes, in.Type)
		}
	}
	p := graph.ValidateInteractive(in)
	switch {
	case p == nil:
		if e := otherInteractive(in); e != nil {
			return e
		}
		return headerMedia(in.Header)
	case p.Required:
		return invalidParam("The parameter %s is required.", p.MetaPath())
	}
	return invalidParam("Param %s %s.", p.MetaPath(), p.Rule)
}

// otherInteractive checks the kinds graph does not (the engine sends only buttons and
// lists): a body on all but a single product, and the action's fixed name and required
// parameters.
func otherInteractive(in *graph.InteractiveObject) *graph.APIError {
	if in.Type == graph.InteractiveButton || in.Type == graph.InteractiveList {
		return nil
	}
	if in.Type != "product" && (in.Body == nil || in.Body.Text == "") {
		return invalidParam("The parameter interactive['body']['text'] is required.")
	}
	switch name := actionNames[in.Type]; {
	case name == "":
	case in.Action.Name == "":
		return invalidParam("The parameter interactive['action']['name'] is required.")
	case in.Action.Name != name:
		return invalidParam("Param interactive['action']['name'] must be %s - got %q.", name, in.Action.Name)
	}
	for _, param := range actionParameters[in.Type] {
		if v, ok := in.Action.Parameters[param]; !ok || v == nil || fmt.Sprint(v) == "" {
			return invalidParam("The parameter interactive['action']['parameters']['%s'] is required.", param)
		}
	}
	return nil
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
