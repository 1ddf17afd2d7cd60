package rest

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/transport/graph"
	"github.com/switchboard/switchboard/transport/httpx"
)

// Template sends are checked here for shape only; whether the template exists, is
// APPROVED and fits it (its parameters, its buttons, Meta's limits on a parameter's type and
// length: actors/template_params.go) is the tenant's (synced state) and Meta's business.
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
			if n, err := fasthttp.ParseUint([]byte(c.Index)); err != nil || n > 9 {
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
			if !parameterTypes[p.Type] {
				add(pf+".type", "is not a template parameter type")
				continue
			}
			if member, problem := parameterProblem(p); problem != "" {
				add(pf+"."+member, "%s", problem)
			}
		}
	}
	return d
}

// parameterProblem names what a parameter of its type lacks (the member and why), or ""
// when it has what Meta needs: each type carries its value in the member of its name, and
// a parameter without it would be queued only for Meta to refuse it (132000) later.
func parameterProblem(p graph.TemplateParameter) (member, problem string) {
	// media names what is wrong with a media parameter's object: missing, or naming its
	// media by both or neither of id and link, or by a link Meta cannot fetch or an id Meta
	// did not give (send-media's rules, under the parameter's member).
	media := func(m *graph.MediaObject) (member, problem string) {
		switch {
		case m == nil:
			return p.Type, "is required for " + article(p.Type) + " parameter"
		case (m.ID == "") == (m.Link == ""):
			return p.Type, "must have exactly one of id and link"
		}
		if d := mediaSourceDetails(m.Link, m.ID, "link", "id"); len(d) > 0 {
			return p.Type + "." + d[0].Field, d[0].Message
		}
		return "", ""
	}
	switch p.Type {
	case "text":
		switch {
		case p.Text == "":
			return "text", "is required for a text parameter"
		case !graph.TemplateTextOK(p.Text):
			return "text", graph.TemplateTextRule
		}
	case "payload":
		if p.Payload == "" {
			return "payload", "is required for a payload parameter"
		}
	case "coupon_code":
		if p.CouponCode == "" {
			return "coupon_code", "is required for a coupon_code parameter"
		}
	case "currency":
		switch c := p.Currency; {
		case c == nil:
			return "currency", "is required for a currency parameter"
		case c.FallbackValue == "":
			return "currency.fallback_value", "is required"
		case !currencyCode.MatchString(c.Code):
			return "currency.code", "must be an ISO 4217 code such as BRL"
		}
	case "date_time":
		if p.DateTime == nil || p.DateTime.FallbackValue == "" {
			return "date_time.fallback_value", "is required for a date_time parameter"
		}
	case graph.TypeImage, graph.TypeVideo, graph.TypeDocument:
		m, _ := p.Media()
		return media(m)
	case "location":
		switch l := p.Location; {
		case l == nil:
			return "location", "is required for a location parameter"
		case l.Latitude < -90 || l.Latitude > 90:
			return "location.latitude", "must be between -90 and 90"
		case l.Longitude < -180 || l.Longitude > 180:
			return "location.longitude", "must be between -180 and 180"
		}
	case "product":
		if p.Product == nil || p.Product.ProductRetailerID == "" {
			return "product.product_retailer_id", "is required for a product parameter"
		}
	case "action":
		if p.Action == nil {
			return "action", "is required for an action parameter"
		}
	}
	return "", ""
}

var currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)

func article(noun string) string {
	if strings.ContainsRune("aeiou", rune(noun[0])) {
		return "an " + noun
	}
	return "a " + noun
}

// templateRef names the template a send uses and the shape of its components, which the
// tenant checks against the template (its parameters when it knows them; one component of
// each kind, body parameter types and text lengths always). A text parameter's length goes
// in characters, as Meta counts its limits (60 in a header, 1,024 or 32,768 in a body).
func templateRef(name, language string, components []graph.TemplateComponent) *actors.TemplateRef {
	ref := &actors.TemplateRef{Name: name, Language: language}
	for _, c := range components {
		shape := actors.TemplateComponentShape{Type: c.Type, SubType: c.SubType, Index: c.Index}
		for _, p := range c.Parameters {
			ps := actors.TemplateParameterShape{Type: p.Type, Name: p.ParameterName}
			if p.Type == "text" {
				ps.Chars = utf8.RuneCountInString(p.Text)
			}
			shape.Parameters = append(shape.Parameters, ps)
		}
		ref.Components = append(ref.Components, shape)
	}
	return ref
}
