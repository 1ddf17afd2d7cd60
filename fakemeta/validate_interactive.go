package fakemeta

import (
	"fmt"
	"strings"

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
	if in == nil {
		return invalidParam("The parameter interactive is required.")
	}
	if !knownInteractive(in.Type) {
		return invalidParam("Param interactive['type'] must be one of {%s} - got %q.", interactiveTypes, in.Type)
	}
	if in.Type == graph.InteractiveButton || in.Type == graph.InteractiveList {
		if in.Body == nil || strings.TrimSpace(in.Body.Text) == "" {
			return invalidParam("The parameter interactive['body']['text'] is required.")
		}
	}
	if in.Body != nil && runes(in.Body.Text) > graph.MaxInteractiveBody {
		return invalidParam("Param interactive['body']['text'] must be at most %d characters long.", graph.MaxInteractiveBody)
	}
	if in.Header != nil && runes(in.Header.Text) > graph.MaxInteractiveTexts {
		return invalidParam("Param interactive['header']['text'] must be at most %d characters long.", graph.MaxInteractiveTexts)
	}
	if in.Footer != nil && runes(in.Footer.Text) > graph.MaxInteractiveTexts {
		return invalidParam("Param interactive['footer']['text'] must be at most %d characters long.", graph.MaxInteractiveTexts)
	}
	switch in.Type {
	case graph.InteractiveButton:
		return validateButtons(in.Action.Buttons)
	case graph.InteractiveList:
		return validateList(in.Action)
	}
	return nil
}

func validateButtons(buttons []graph.ReplyButton) *graph.APIError {
	const at = "interactive['action']['buttons']"
	switch {
	case len(buttons) == 0:
		return invalidParam("Param %s must contain at least 1 element.", at)
	case len(buttons) > graph.MaxReplyButtons:
		return invalidParam("Param %s must contain at most %d elements.", at, graph.MaxReplyButtons)
	}
	ids, titles := map[string]bool{}, map[string]bool{}
	for i, b := range buttons {
		p := fmt.Sprintf("%s[%d]", at, i)
		switch {
		case b.Type != "reply":
			return invalidParam("Param %s['type'] must be one of {REPLY} - got %q.", p, b.Type)
		case b.Reply.ID == "":
			return invalidParam("The parameter %s['reply']['id'] is required.", p)
		case runes(b.Reply.ID) > maxButtonID:
			return invalidParam("Param %s['reply']['id'] must be at most %d characters long.", p, maxButtonID)
		case strings.TrimSpace(b.Reply.Title) == "":
			return invalidParam("The parameter %s['reply']['title'] is required.", p)
		case runes(b.Reply.Title) > graph.MaxButtonTitle:
			return invalidParam("Param %s['reply']['title'] must be at most %d characters long.", p, graph.MaxButtonTitle)
		case ids[b.Reply.ID]:
			return invalidParam("Param %s['reply']['id'] must be unique among buttons - got %q twice.", p, b.Reply.ID)
		case titles[b.Reply.Title]:
			return invalidParam("Param %s['reply']['title'] must be unique among buttons - got %q twice.", p, b.Reply.Title)
		}
		ids[b.Reply.ID], titles[b.Reply.Title] = true, true
	}
	return nil
}

func validateList(a graph.InteractiveAction) *graph.APIError {
	const at = "interactive['action']"
	switch {
	case strings.TrimSpace(a.Button) == "":
		return invalidParam("The parameter %s['button'] is required.", at)
	case runes(a.Button) > graph.MaxListButtonLabel:
		return invalidParam("Param %s['button'] must be at most %d characters long.", at, graph.MaxListButtonLabel)
	case len(a.Sections) == 0:
		return invalidParam("Param %s['sections'] must contain at least 1 element.", at)
	case len(a.Sections) > graph.MaxListSections:
		return invalidParam("Param %s['sections'] must contain at most %d elements.", at, graph.MaxListSections)
	}
	rows, ids := 0, map[string]bool{}
	for i, sec := range a.Sections {
		p := fmt.Sprintf("%s['sections'][%d]", at, i)
		if len(a.Sections) > 1 && sec.Title == "" {
			return invalidParam("The parameter %s['title'] is required when there is more than one section.", p)
		}
		if runes(sec.Title) > graph.MaxRowTitle {
			return invalidParam("Param %s['title'] must be at most %d characters long.", p, graph.MaxRowTitle)
		}
		if len(sec.Rows) == 0 {
			return invalidParam("Param %s['rows'] must contain at least 1 element.", p)
		}
		for j, row := range sec.Rows {
			rp := fmt.Sprintf("%s['rows'][%d]", p, j)
			switch {
			case row.ID == "":
				return invalidParam("The parameter %s['id'] is required.", rp)
			case runes(row.ID) > maxRowID:
				return invalidParam("Param %s['id'] must be at most %d characters long.", rp, maxRowID)
			case ids[row.ID]:
				return invalidParam("Param %s['id'] must be unique among rows - got %q twice.", rp, row.ID)
			case strings.TrimSpace(row.Title) == "":
				return invalidParam("The parameter %s['title'] is required.", rp)
			case runes(row.Title) > graph.MaxRowTitle:
				return invalidParam("Param %s['title'] must be at most %d characters long.", rp, graph.MaxRowTitle)
			case runes(row.Description) > graph.MaxRowDescription:
				return invalidParam("Param %s['description'] must be at most %d characters long.", rp, graph.MaxRowDescription)
			}
			ids[row.ID] = true
			rows++
		}
	}
	if rows > graph.MaxListRows {
		return invalidParam("Param %s['sections'] must contain at most %d rows in total - got %d.", at, graph.MaxListRows, rows)
	}
	return nil
}
