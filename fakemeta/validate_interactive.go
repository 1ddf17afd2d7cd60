package fakemeta

import (
	"fmt"

	"github.com/switchboard/switchboard/transport/graph"
)

// interactiveTypes are the interactive message types Meta accepts.
const interactiveTypes = "BUTTON, LIST, CTA_URL, FLOW, PRODUCT, PRODUCT_LIST, CATALOG_MESSAGE, LOCATION_REQUEST_MESSAGE, ADDRESS_MESSAGE"

// actionNames is the action name each interactive kind must carry ("" for none), by
// Meta's reference for each kind.
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

// validateInteractive checks an interactive message as Meta does before accepting it, in
// the order the message is written — its kind, the texts around the action (checkInteractiveTexts),
// then the action of its kind — and answers the first problem with error 100. These are
// fakemeta's own checks, written from Meta's pages (interactive_limits.go), not the
// engine's (graph.InteractiveProblems): the two are compared in tests, so that a rule
// either gets wrong shows as a disagreement rather than passing on both sides.
func validateInteractive(in *graph.InteractiveObject) *graph.APIError {
	if in == nil {
		return missingParam("interactive")
	}
	if _, known := actionNames[in.Type]; !known {
		return invalidParam("Param interactive['type'] must be one of {%s} - got %q.", interactiveTypes, in.Type)
	}
	if e := checkInteractiveTexts(in); e != nil {
		return e
	}
	switch in.Type {
	case graph.InteractiveButton:
		return checkReplyButtons(in.Action.Buttons)
	case graph.InteractiveList:
		return checkList(in.Action)
	}
	return checkNamedAction(in)
}

// checkNamedAction checks the action of the kinds other than buttons and lists: its fixed
// name and the parameters it cannot go without.
func checkNamedAction(in *graph.InteractiveObject) *graph.APIError {
	switch name := actionNames[in.Type]; {
	case name == "":
	case in.Action.Name == "":
		return missingParam("interactive['action']['name']")
	case in.Action.Name != name:
		return invalidParam("Param interactive['action']['name'] must be %s - got %q.", name, in.Action.Name)
	}
	for _, param := range actionParameters[in.Type] {
		if v, ok := in.Action.Parameters[param]; !ok || v == nil || fmt.Sprint(v) == "" {
			return missingParam(fmt.Sprintf("interactive['action']['parameters']['%s']", param))
		}
	}
	return nil
}
