package actors

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/switchboard/switchboard/cluster"
)

// What a template's sends must carry, read from its definition in Meta's list (a sync), so
// that a send that does not fit is refused at the API rather than queued for Meta to refuse
// later (132000 count mismatch, 132005 text too long, 132012 format mismatch, 100 a
// component the template does not have: WHATSAPP.md §2.3). Only what Meta checks is
// checked: the number of the header's and the body's parameters (for NAMED templates, their
// names) and their types, the one parameter of a media or location header and its type, each
// button component's index and sub_type against the template's buttons, and the one
// parameter of each URL button with a variable (authentication templates' copy-code and
// one-tap buttons are such buttons in Meta's list). What holds for every template
// (template_shape.go) is checked even when the definition is not known (synced before
// definitions were kept, or edited since); the rest is not.

// TemplateParams is the parameters a template's sends take. A nil Header or Body takes none.
type TemplateParams struct {
	Header *HeaderParams `json:"header,omitempty"`
	Body   *ParamSlots   `json:"body,omitempty"`
	// Buttons is the template's buttons by index: every one when AllButtons is set; in a
	// definition kept before every button was (AllButtons unset), only those that take a
	// parameter, so a button component naming another index is not refused there (the next
	// sync completes the definition).
	Buttons    []ButtonParams `json:"buttons,omitempty"`
	AllButtons bool           `json:"allButtons,omitempty"`
}

// HeaderParams is a header that takes parameters: a TEXT header with variables (Count, and
// Names for NAMED templates), or an IMAGE, VIDEO, DOCUMENT or LOCATION header, which takes
// one parameter of its type.
type HeaderParams struct {
	Format string `json:"format"`
	ParamSlots
}

// ParamSlots are a text's variables: Count of them, and for NAMED templates their names.
type ParamSlots struct {
	Count int      `json:"count,omitempty"`
	Names []string `json:"names,omitempty"`
}

// ButtonParams is one button of a definition: its index and Meta's type for it (an
// authentication template's copy-code or one-tap OTP button is a URL button, sent as one:
// sub_type url, the code its one parameter, zero-tap ones too). A URL button with a
// variable in its url takes one parameter (checked); a Static one, without, takes none. A
// COPY_CODE button's coupon_code is shown for clients, not checked.
type ButtonParams struct {
	Index  int    `json:"index"`
	Type   string `json:"type"`
	Static bool   `json:"static,omitempty"`
}

// Button types of a definition the engine names.
const (
	ButtonURL        = "URL"
	ButtonCopyCode   = "COPY_CODE"
	ButtonQuickReply = "QUICK_REPLY"
	ButtonOTP        = "OTP"
)

// buttonSubTypes is the sub_type a send's button component gives for each type of button
// (Meta's send-template reference); a button of a type not listed (PHONE_NUMBER, VOICE_CALL,
// one Meta adds later) is not checked.
var buttonSubTypes = map[string]string{
	ButtonQuickReply: "quick_reply", ButtonURL: "url", ButtonCopyCode: "copy_code", "FLOW": "flow",
	"CATALOG": "catalog", "MPM": "mpm", ButtonOTP: "url",
}

// TemplateComponentShape is what the fit check needs of one component of a send: its type
// (header, body, button), a button's sub_type and index, and its parameters' types and
// names.
type TemplateComponentShape struct {
	Type       string                   `json:"type"`
	SubType    string                   `json:"subType,omitempty"`
	Index      string                   `json:"index,omitempty"`
	Parameters []TemplateParameterShape `json:"parameters,omitempty"`
}

// TemplateParameterShape is one parameter of a send: its type, for NAMED templates its
// parameter_name, and a text parameter's length in characters (0: not said, as by a node
// older than the length checks: not checked).
type TemplateParameterShape struct {
	Type  string `json:"type"`
	Name  string `json:"name,omitempty"`
	Chars int    `json:"chars,omitempty"`
}

// misfits names every way the send's components do not fit the template, in the edge's
// details style (components[0].parameters[1]); none when they fit. p is nil when the
// template's definition is not known: then only the rules every template shares are checked.
func (p *TemplateParams) misfits(sent []TemplateComponentShape) []cluster.FailureDetail {
	var d []cluster.FailureDetail
	add := func(field, format string, args ...any) {
		d = append(d, cluster.FailureDetail{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	var header, body bool
	buttons := map[int]int{} // a button's index → the position of its component
	for i, c := range checkedOnce(sent, add) {
		field := fmt.Sprintf("components[%d]", i)
		switch strings.ToLower(c.Type) {
		case "header":
			header = true
			headerShapeMisfits(field, c.Parameters, add)
			if p != nil {
				p.Header.misfits(field, c.Parameters, add)
			}
		case "body":
			body = true
			bodyShapeMisfits(field, c.Parameters, bodyTextLimit(sent), add)
			if p != nil {
				p.Body.misfits(field, "body", c.Parameters, add)
			}
		case "button":
			if n, err := strconv.Atoi(c.Index); err == nil {
				buttons[n] = i
			}
			p.buttonMisfits(field, c, add)
		}
	}
	if p == nil {
		return d
	}
	if !header && p.Header != nil {
		add("components", "needs a header component: the template's header takes %s", p.Header.describe())
	}
	if !body && p.Body != nil && p.Body.Count > 0 {
		add("components", "needs a body component: the template's body takes %s", p.Body.describe())
	}
	for _, b := range p.Buttons {
		if _, ok := buttons[b.Index]; !ok && b.takesURLParameter() {
			add("components", "needs a button component with sub_type url, index \"%d\" and one parameter: the template's button at index %d is a URL button with a variable",
				b.Index, b.Index)
		}
	}
	return d
}

// buttonMisfits checks a button component against the template's button at its index: one
// the template has (when every button is known), of the sub_type its type is sent as, with
// the parameters it takes. p is nil when the definition is not known.
func (p *TemplateParams) buttonMisfits(field string, c TemplateComponentShape, add func(string, string, ...any)) {
	var def *ButtonParams
	n, err := strconv.Atoi(c.Index)
	if p != nil && err == nil {
		def = p.button(n)
	}
	switch {
	case p != nil && p.AllButtons && err == nil && def == nil:
		add(field+".index", "names no button of the template: %s", p.describeButtons())
		return
	case def != nil && buttonSubTypes[def.Type] != "" && !strings.EqualFold(c.SubType, buttonSubTypes[def.Type]):
		add(field+".sub_type", "must be %s: the template's button at index %d is %s", buttonSubTypes[def.Type], n, def.describe())
		return
	}
	switch {
	case strings.EqualFold(c.SubType, "quick_reply"):
		quickReplyMisfits(field, c.Parameters, add)
	case def == nil:
	case def.takesURLParameter() && len(c.Parameters) != 1:
		add(field+".parameters", "must hold exactly one parameter, the variable of the button's url (it holds %d)", len(c.Parameters))
	case def.takesURLParameter() && !strings.EqualFold(c.Parameters[0].Type, "text"):
		add(field+".parameters[0].type", "must be text: the variable of the button's url")
	case def.Type == ButtonURL && def.Static && len(c.Parameters) > 0:
		add(field+".parameters", "must be empty: the template's button at index %d is a URL button without a variable (it holds %d)", n, len(c.Parameters))
	}
}

// button is the template's button at index i; nil when the definition lists none there.
func (p *TemplateParams) button(i int) *ButtonParams {
	for k := range p.Buttons {
		if p.Buttons[k].Index == i {
			return &p.Buttons[k]
		}
	}
	return nil
}

// takesURLParameter reports whether a send must give the button its url's variable.
func (b ButtonParams) takesURLParameter() bool { return b.Type == ButtonURL && !b.Static }

func (b ButtonParams) describe() string {
	switch {
	case b.Type == ButtonURL && b.Static:
		return "a URL button without a variable"
	case b.Type == ButtonURL:
		return "a URL button with a variable"
	case b.Type == ButtonOTP:
		return "an OTP button"
	}
	return "a " + b.Type + " button"
}

// describeButtons lists the template's buttons for an error message: "its buttons are 0
// (URL), 1 (QUICK_REPLY)".
func (p *TemplateParams) describeButtons() string {
	if len(p.Buttons) == 0 {
		return "it has no buttons"
	}
	var each []string
	for _, b := range p.Buttons {
		each = append(each, fmt.Sprintf("%d (%s)", b.Index, b.Type))
	}
	return "its buttons are " + strings.Join(each, ", ")
}

// misfits checks a header component's parameters; h is nil for a template whose header
// takes none.
func (h *HeaderParams) misfits(field string, params []TemplateParameterShape, add func(string, string, ...any)) {
	switch {
	case h == nil:
		if len(params) > 0 {
			add(field+".parameters", "must be empty: the template's header has no variables (it holds %d)", len(params))
		}
	case h.Format == "TEXT":
		for j, q := range params {
			if !textTypes[strings.ToLower(q.Type)] {
				add(fmt.Sprintf("%s.parameters[%d].type", field, j), "must be text, currency or date_time: the template's header is TEXT")
			}
		}
		h.ParamSlots.misfits(field, "header", params, add)
	case len(params) != 1:
		add(field+".parameters", "must hold exactly one %s parameter: the template's header is %s (it holds %d)",
			strings.ToLower(h.Format), h.Format, len(params))
	case !strings.EqualFold(params[0].Type, h.Format):
		add(field+".parameters[0].type", "must be %s: the template's header is %s", strings.ToLower(h.Format), h.Format)
	}
}

// misfits checks a header's or body's text parameters against its variables; s is nil for
// a text without any.
func (s *ParamSlots) misfits(field, what string, params []TemplateParameterShape, add func(string, string, ...any)) {
	var want ParamSlots
	if s != nil {
		want = *s
	}
	if len(params) != want.Count {
		if want.Count == 0 {
			add(field+".parameters", "must be empty: the template's %s has no variables (it holds %d)", what, len(params))
		} else {
			add(field+".parameters", "must hold %d parameters: the template's %s takes %s (it holds %d)", want.Count, what, want.describe(), len(params))
		}
		return
	}
	if len(want.Names) == 0 {
		return
	}
	named, given := map[string]bool{}, map[string]bool{}
	for _, n := range want.Names {
		named[n] = true
	}
	for j, p := range params {
		pf := fmt.Sprintf("%s.parameters[%d].parameter_name", field, j)
		switch {
		case p.Name == "":
			add(pf, "is required: the template's parameters are NAMED (%s)", want.describe())
		case !named[p.Name]:
			add(pf, "must be one of the template's names (%s)", want.describe())
		case given[p.Name]:
			add(pf, "names {{%s}} a second time", p.Name)
		}
		given[p.Name] = true
	}
}

// describe writes the variables for an error message: "2 parameters" or "{{first_name}},
// {{discount}}".
func (s ParamSlots) describe() string {
	if len(s.Names) == 0 {
		if s.Count == 1 {
			return "1 parameter"
		}
		return fmt.Sprintf("%d parameters", s.Count)
	}
	return "{{" + strings.Join(s.Names, "}}, {{") + "}}"
}

func (h *HeaderParams) describe() string {
	if h.Format == "TEXT" {
		return h.ParamSlots.describe()
	}
	return "one " + strings.ToLower(h.Format) + " parameter"
}

// same reports whether two updates say the same, their definitions compared by value.
func (u TemplateUpdate) same(o TemplateUpdate) bool {
	a, b := u, o
	a.Params, b.Params = nil, nil
	return a == b && reflect.DeepEqual(u.Params, o.Params)
}
