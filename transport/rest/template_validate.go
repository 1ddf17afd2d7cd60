package rest

import (
	"fmt"
	"regexp"
	"strconv"

	"github.com/switchboard/switchboard/transport/graph"
	"github.com/switchboard/switchboard/transport/httpx"
)

// Template sends are checked here for shape only; whether the template exists, is
// APPROVED and fits its parameters is the tenant's (synced state) and Meta's business.
var (
	templateNamePattern = regexp.MustCompile(`^[a-z0-9_]{1,512}$`)
	languagePattern     = regexp.MustCompile(`^[a-z]{2,3}(_[A-Za-z]{2,4})?$`)
	parameterTypes      = map[string]bool{
		"text": true, "payload": true, "currency": true, "date_time": true, "image": true, "video": true,
		"document": true, "action": true, "coupon_code": true, "location": true, "product": true,
	}
)

const (
	maxTemplateComponents = 20
	maxTemplateParameters = 100
)

func templateDetails(name, language string, components []graph.TemplateComponent) []httpx.Detail {
	var d []httpx.Detail
	add := func(field, format string, args ...any) {
		d = append(d, httpx.Detail{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	switch {
	case name == "":
		add("templateName", "is required")
	case !templateNamePattern.MatchString(name):
		add("templateName", "must be 1..512 lower-case letters, digits or underscores")
	}
	switch {
	case language == "":
		add("language", "is required")
	case !languagePattern.MatchString(language):
		add("language", "must be a language code such as en, en_US or pt_BR")
	}
	if len(components) > maxTemplateComponents {
		add("components", "must hold at most %d components", maxTemplateComponents)
		return d
	}
	for i, c := range components {
		field := fmt.Sprintf("components[%d]", i)
		switch c.Type {
		case graph.ComponentHeader, graph.ComponentBody:
			if c.SubType != "" || c.Index != "" {
				add(field, "only buttons have sub_type and index")
			}
		case graph.ComponentButton:
			if c.SubType == "" {
				add(field+".sub_type", "is required for buttons")
			}
			if n, err := strconv.Atoi(c.Index); err != nil || n < 0 || n > 9 {
				add(field+".index", "must be the button's position, \"0\" to \"9\"")
			}
		default:
			add(field+".type", "must be header, body or button")
		}
		if len(c.Parameters) > maxTemplateParameters {
			add(field+".parameters", "must hold at most %d parameters", maxTemplateParameters)
			continue
		}
		for j, p := range c.Parameters {
			pf := fmt.Sprintf("%s.parameters[%d]", field, j)
			switch {
			case !parameterTypes[p.Type]:
				add(pf+".type", "is not a template parameter type")
			case p.Type == "text" && p.Text == "":
				add(pf+".text", "is required for a text parameter")
			case p.Type == "payload" && p.Payload == "":
				add(pf+".payload", "is required for a payload parameter")
			}
		}
	}
	return d
}
