package actors

import (
	"fmt"
	"iter"
	"strconv"
	"strings"
)

// The rules of a template send that hold whatever the template: checked even when its
// definition is not known, since Meta refuses a send breaking them after our 202 all the
// same (WHATSAPP.md §2.3).

// Meta's limits on a text parameter, in characters. The Cloud API reference's parameter
// object ("text"): "For the header component type: 60 characters. For the body component
// type: 1024 characters if other component types are included, 32768 characters if body is
// the only component type included" — the components of the send, as whatsapp-api-js reads
// it (HeaderParameter; BodyComponent._build checks 1,024 unless the body is the send's only
// component). Beyond them Meta refuses the send: 132005, hydrated text too long.
const (
	maxHeaderTextChars   = 60
	maxBodyTextChars     = 1024
	maxBodyOnlyTextChars = 32768
)

// textTypes are the parameter types a body (and a TEXT header) takes: "For text-based
// templates, the only supported parameter types are currency, date_time, and text" (the
// same reference); any other is Meta's 132012, parameter format mismatch.
var textTypes = map[string]bool{"text": true, "currency": true, "date_time": true}

// checkedOnce yields the send's components that are the first of their kind — the header,
// the body, the component of each button index — and names each later one: a template
// message has one of each, and Meta refuses a second.
func checkedOnce(sent []TemplateComponentShape, add func(string, string, ...any)) iter.Seq2[int, TemplateComponentShape] {
	return func(yield func(int, TemplateComponentShape) bool) {
		first := map[string]int{}
		for i, c := range sent {
			kind := strings.ToLower(c.Type)
			key := kind
			if kind == "button" {
				key += " " + c.Index
				if n, err := strconv.Atoi(c.Index); err == nil {
					key = "button " + strconv.Itoa(n)
				}
			}
			if j, dup := first[key]; dup {
				if kind == "button" {
					add(fmt.Sprintf("components[%d].index", i), "names button %s a second time (components[%d] gives it): a button takes one component", c.Index, j)
				} else {
					add(fmt.Sprintf("components[%d].type", i), "is a second %s component (components[%d] is one): a template message takes one", kind, j)
				}
				continue
			}
			first[key] = i
			if !yield(i, c) {
				return
			}
		}
	}
}

// headerShapeMisfits checks a header's text parameters against Meta's 60 characters.
func headerShapeMisfits(field string, params []TemplateParameterShape, add func(string, string, ...any)) {
	for j, p := range params {
		if strings.EqualFold(p.Type, "text") && p.Chars > maxHeaderTextChars {
			add(fmt.Sprintf("%s.parameters[%d].text", field, j), "must be at most %d characters in a header (it has %d)", maxHeaderTextChars, p.Chars)
		}
	}
}

// bodyShapeMisfits checks a body's parameters: text, currency or date_time only, and texts
// within limit characters (bodyTextLimit).
func bodyShapeMisfits(field string, params []TemplateParameterShape, limit int, add func(string, string, ...any)) {
	for j, p := range params {
		pf := fmt.Sprintf("%s.parameters[%d]", field, j)
		switch {
		case !textTypes[strings.ToLower(p.Type)]:
			add(pf+".type", "must be text, currency or date_time in a body")
		case strings.EqualFold(p.Type, "text") && p.Chars > limit:
			why := "when the send has other components than the body"
			if limit == maxBodyOnlyTextChars {
				why = "even when the body is the send's only component"
			}
			add(pf+".text", "must be at most %d characters %s (it has %d)", limit, why, p.Chars)
		}
	}
}

// bodyTextLimit is how long a body's text parameter may be: longer when the body is the
// only component the send gives.
func bodyTextLimit(sent []TemplateComponentShape) int {
	for _, c := range sent {
		if !strings.EqualFold(c.Type, "body") {
			return maxBodyTextChars
		}
	}
	return maxBodyOnlyTextChars
}

// quickReplyMisfits checks a quick_reply button component: it gives the payload WhatsApp
// returns when the button is tapped, its one parameter; without it the component is
// pointless and Meta refuses it.
func quickReplyMisfits(field string, params []TemplateParameterShape, add func(string, string, ...any)) {
	switch {
	case len(params) != 1:
		add(field+".parameters", "must hold exactly one payload parameter, the payload a tap on the quick reply returns (it holds %d)", len(params))
	case !strings.EqualFold(params[0].Type, "payload"):
		add(field+".parameters[0].type", "must be payload: a quick reply's parameter is the payload a tap returns")
	}
}
