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
// with 132000 later (WHATSAPP.md §2.3). Only what Meta checks is checked: the number of the
// header's and the body's parameters (for NAMED templates, their names), the one parameter
// of a media or location header and its type, and the one parameter of each URL button with
// a variable (authentication templates' copy-code and one-tap buttons are such buttons in
// Meta's list). A template whose definition is not known (synced before definitions were
// kept, or edited since) is not checked at all.

// TemplateParams is the parameters a template's sends take. A nil Header or Body takes none.
type TemplateParams struct {
	Header  *HeaderParams  `json:"header,omitempty"`
	Body    *ParamSlots    `json:"body,omitempty"`
	Buttons []ButtonParams `json:"buttons,omitempty"`
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

// ButtonParams is a button that takes a parameter: a URL button with a variable in its url
// (checked: one parameter, sub_type url), or a COPY_CODE button (its coupon_code; shown for
// clients, not checked).
type ButtonParams struct {
	Index int    `json:"index"`
	Type  string `json:"type"`
}

// Button types of a definition that take a parameter.
const (
	ButtonURL      = "URL"
	ButtonCopyCode = "COPY_CODE"
)

// TemplateComponentShape is what the fit check needs of one component of a send: its type
// (header, body, button), a button's sub_type and index, and its parameters' types and
// names.
type TemplateComponentShape struct {
	Type       string                   `json:"type"`
	SubType    string                   `json:"subType,omitempty"`
	Index      string                   `json:"index,omitempty"`
	Parameters []TemplateParameterShape `json:"parameters,omitempty"`
}

// TemplateParameterShape is one parameter of a send: its type and, for NAMED templates, its
// parameter_name.
type TemplateParameterShape struct {
	Type string `json:"type"`
	Name string `json:"name,omitempty"`
}

// misfits names every way the send's components do not fit the template's parameters, in
// the edge's details style (components[0].parameters[1]); none when they fit.
func (p *TemplateParams) misfits(sent []TemplateComponentShape) []cluster.FailureDetail {
	var d []cluster.FailureDetail
	add := func(field, format string, args ...any) {
		d = append(d, cluster.FailureDetail{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	var header, body bool
	buttons := map[int]int{} // a button's index → the position of its first component
	for i, c := range sent {
		field := fmt.Sprintf("components[%d]", i)
		switch strings.ToLower(c.Type) {
		case "header":
			header = true
			p.Header.misfits(field, c.Parameters, add)
		case "body":
			body = true
			p.Body.misfits(field, "body", c.Parameters, add)
		case "button":
			if n, err := strconv.Atoi(c.Index); err == nil {
				if _, dup := buttons[n]; !dup {
					buttons[n] = i
				}
			}
		}
	}
	if !header && p.Header != nil {
		add("components", "needs a header component: the template's header takes %s", p.Header.describe())
	}
	if !body && p.Body != nil && p.Body.Count > 0 {
		add("components", "needs a body component: the template's body takes %s", p.Body.describe())
	}
	for _, b := range p.Buttons {
		if b.Type != ButtonURL {
			continue
		}
		i, ok := buttons[b.Index]
		switch {
		case !ok:
			add("components", "needs a button component with sub_type url, index \"%d\" and one parameter: the template's button at index %d is a URL button with a variable",
				b.Index, b.Index)
		case !strings.EqualFold(sent[i].SubType, "url"):
			add(fmt.Sprintf("components[%d].sub_type", i), "must be url: the template's button at index %d is a URL button", b.Index)
		case len(sent[i].Parameters) != 1:
			add(fmt.Sprintf("components[%d].parameters", i), "must hold exactly one parameter, the variable of the button's url (it holds %d)",
				len(sent[i].Parameters))
		}
	}
	return d
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
