package fakemeta

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	json "github.com/goccy/go-json"
	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/graph"
)

// checkTemplate compares a template send with the WABA's definition, as Meta does at send
// time: missing or unapproved → 132001, paused → 132015, disabled → 132016; then each
// block in turn: its parameters' count (132000, naming the block), for NAMED templates
// their names (132000), their types (a media header's kind, text where the block holds
// text: 132012) and their lengths (132005 when too long); then the buttons
// (checkButtons). These rules are written here from Meta's documents and answers, not
// taken from the engine's own checks, so that the two can disagree.
func checkTemplate(def graph.MessageTemplate, found bool, t *graph.TemplateObject) *graph.APIError {
	if !found {
		return apiError(132001, fmt.Sprintf("template name (%s) does not exist in %s", t.Name, t.Language.Code))
	}
	switch def.Status {
	case graph.TemplateApproved:
	case graph.TemplatePaused:
		return apiError(132015, "")
	case graph.TemplateDisabled:
		return apiError(132016, "")
	default:
		return apiError(132001, fmt.Sprintf("template name (%s) in %s is %s, not APPROVED", t.Name, t.Language.Code, def.Status))
	}
	var header, body []graph.TemplateParameter
	var buttons []graph.TemplateComponent
	for _, c := range t.Components {
		switch c.Type {
		case graph.ComponentHeader:
			header = c.Parameters
		case graph.ComponentBody:
			body = c.Parameters
		case graph.ComponentButton:
			buttons = append(buttons, c)
		}
	}
	named := def.ParameterFormat == graph.ParameterFormatNamed
	var hasHeader, hasBody bool
	var buttonDefs []graph.TemplateButtonDefinition
	for _, block := range def.Components {
		var e *graph.APIError
		switch block.Type {
		case "HEADER":
			hasHeader = true
			e = checkHeader(block, header, named)
		case "BODY":
			hasBody = true
			e = checkText("body", block.Text, body, named, bodyParamLimit(t.Components))
		case "BUTTONS":
			buttonDefs = block.Buttons
		}
		if e != nil {
			return e
		}
	}
	// Parameters for a block the template does not have are a count mismatch too: the
	// template expects none there (an authentication template sent with a header).
	switch {
	case !hasHeader && len(header) > 0:
		return paramCount("header", len(header), 0)
	case !hasBody && len(body) > 0:
		return paramCount("body", len(body), 0)
	}
	return checkButtons(buttonDefs, buttons)
}

// The longest a text parameter may be, in characters, as the Cloud API reference's
// parameter object says: "For the header component type: 60 characters. For the body
// component type: 1024 characters if other component types are included, 32768 characters if
// body is the only component type included" (of the send). Longer is 132005, hydrated text
// too long. (A limit on the hydrated text as a whole would refuse a long body-only send Meta
// takes.)
const (
	maxHeaderParam   = 60
	maxBodyParam     = 1024
	maxBodyOnlyParam = 32768
)

// bodyParamLimit is maxBodyParam, or maxBodyOnlyParam when the body is the send's only
// component.
func bodyParamLimit(sent []graph.TemplateComponent) int {
	for _, c := range sent {
		if c.Type != graph.ComponentBody {
			return maxBodyParam
		}
	}
	return maxBodyOnlyParam
}

func checkHeader(block graph.TemplateDefinitionBlock, params []graph.TemplateParameter, named bool) *graph.APIError {
	format := block.Format
	if format == "" {
		format = "TEXT"
	}
	if format == "TEXT" {
		return checkText("header", block.Text, params, named, maxHeaderParam)
	}
	// A media or location header always takes its one parameter.
	if len(params) != 1 {
		return paramCount("header", len(params), 1)
	}
	if strings.ToUpper(params[0].Type) != format {
		return formatMismatch("header", format, params[0].Type)
	}
	return nil
}

// checkText checks the parameters of a block holding text (a TEXT header, the body): their
// count and names (checkParams), that each is a text value (text, currency or date_time:
// a media or payload parameter is 132012, as Meta answers a parameter of the wrong format),
// and each text parameter's length, at most max characters (132005).
func checkText(section, text string, params []graph.TemplateParameter, named bool, max int) *graph.APIError {
	if e := checkParams(section, placeholders(text), params, named); e != nil {
		return e
	}
	for _, p := range params {
		switch strings.ToLower(p.Type) {
		case "text", "currency", "date_time":
		default:
			return formatMismatch(section, "TEXT", p.Type)
		}
	}
	for i, p := range params {
		if n := runes(p.Text); strings.EqualFold(p.Type, "text") && n > max {
			// Meta's wording of the details is not documented; the title is its catalogue's.
			return apiError(132005, fmt.Sprintf("%s: parameter %d is %d characters long, more than the %d allowed", section, i+1, n, max))
		}
	}
	return nil
}

// formatMismatch is 132012 in the fixture's words (graph/error_132012_param_format.json).
func formatMismatch(section, expected, received string) *graph.APIError {
	return apiError(132012, fmt.Sprintf("%s: Format mismatch, expected %s, received %s", section, expected, strings.ToUpper(received)))
}

// checkParams compares one component's parameters with its text's placeholders: their
// count, and for NAMED templates their names.
func checkParams(section string, want []string, params []graph.TemplateParameter, named bool) *graph.APIError {
	if len(params) != len(want) {
		return paramCount(section, len(params), len(want))
	}
	if !named {
		return nil
	}
	wanted := map[string]bool{}
	for _, w := range want {
		wanted[w] = true
	}
	var unknown []string
	for _, p := range params {
		if wanted[p.ParameterName] {
			delete(wanted, p.ParameterName)
		} else {
			unknown = append(unknown, strconv.Quote(p.ParameterName)) // "" when it has none
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	var missing []string
	for _, w := range want {
		if wanted[w] {
			missing = append(missing, strconv.Quote(w))
		}
	}
	return apiError(132000, fmt.Sprintf("%s: parameter names (%s) are not in the template, which expects (%s)",
		section, strings.Join(unknown, ", "), strings.Join(missing, ", ")))
}

// buttonRule is what a send must give a button of the template: the sub_type of its
// component, whether the component is required (needs), and the type of its one parameter
// ("": it takes none, as a static URL or a phone number button).
type buttonRule struct {
	subType   string
	needs     bool
	paramType string
}

// ruleFor is the rule for a template's button, by its type (WHATSAPP.md §4.3's list); ok is
// false for a type fakemeta does not know, which any component may fill. A quick reply
// may be left out (a tap then returns its text) but, sent, carries a payload. A URL
// button with a {{1}} needs its text; an OTP button (every otp_type: Meta's sends of copy
// code, one-tap and zero-tap templates alike carry the code) is sent as a URL button with
// the code (WHATSAPP.md §2: "URL button param = code"); a COPY_CODE button needs its
// coupon_code. Flow, catalog and multi-product buttons take an optional action.
func ruleFor(b graph.TemplateButtonDefinition) (r buttonRule, ok bool) {
	switch strings.ToUpper(b.Type) {
	case "QUICK_REPLY":
		return buttonRule{graph.ButtonSubTypeQuickReply, false, "payload"}, true
	case "URL":
		if len(placeholders(b.URL)) == 0 {
			return buttonRule{subType: graph.ButtonSubTypeURL}, true
		}
		return buttonRule{graph.ButtonSubTypeURL, true, "text"}, true
	case "OTP":
		return buttonRule{graph.ButtonSubTypeURL, true, "text"}, true
	case "COPY_CODE":
		return buttonRule{graph.ButtonSubTypeCopyCode, true, "coupon_code"}, true
	case "FLOW":
		return buttonRule{graph.ButtonSubTypeFlow, false, "action"}, true
	case "CATALOG":
		return buttonRule{"catalog", false, "action"}, true
	case "MPM":
		return buttonRule{"mpm", false, "action"}, true
	case "PHONE_NUMBER":
		return buttonRule{subType: "voice_call"}, true // Meta's name for it is Call
	}
	return buttonRule{}, false
}

// checkButtons checks every button component against the template's button at its index,
// then that every button a send must fill was filled. The codes and details are those Meta
// answers as users reported them: a button that needs a parameter and has none is 131008
// "buttons: Button at index 0 of type Url requires a parameter", and parameters for a
// button that takes none are 100 "buttons: Button at index 0 is of type Call and does not
// support parameters". For a component naming a button the template does not have at that
// index, or one of another type, Meta's code is not documented: 131009 (a parameter value
// that is not valid) fits best, worded as Meta words the others. A parameter of the wrong
// type is 132012, as in a header or body; more than one is a count mismatch (132000).
func checkButtons(defs []graph.TemplateButtonDefinition, sent []graph.TemplateComponent) *graph.APIError {
	filled := map[int]bool{}
	for _, c := range sent {
		i, _ := strconv.Atoi(c.Index) // validateTemplateShape made sure it is digits
		kind := buttonKind(c.SubType)
		if i >= len(defs) {
			return apiError(131009, fmt.Sprintf("buttons: Button at index %d of type %s does not exist", i, kind))
		}
		r, known := ruleFor(defs[i])
		if !known {
			filled[i] = true
			continue
		}
		switch {
		case r.paramType == "" && len(c.Parameters) > 0:
			return apiError(100, fmt.Sprintf("buttons: Button at index %d is of type %s and does not support parameters", i, buttonKind(r.subType)))
		case !strings.EqualFold(c.SubType, r.subType):
			return apiError(131009, fmt.Sprintf("buttons: Button at index %d of type %s does not exist", i, kind))
		case r.paramType == "":
		case len(c.Parameters) == 0 && r.needs, len(c.Parameters) == 0 && r.subType == graph.ButtonSubTypeQuickReply:
			return requiresParameter(i, kind)
		case len(c.Parameters) > 1:
			return paramCount(fmt.Sprintf("button at index %d", i), len(c.Parameters), 1)
		case len(c.Parameters) == 1:
			p := c.Parameters[0]
			if !strings.EqualFold(p.Type, r.paramType) {
				return formatMismatch(fmt.Sprintf("button at index %d", i), strings.ToUpper(r.paramType), p.Type)
			}
			if (r.paramType == "payload" && p.Payload == "") || (r.paramType == "coupon_code" && p.CouponCode == "") {
				return requiresParameter(i, kind)
			}
		}
		filled[i] = true
	}
	for i, b := range defs {
		if r, known := ruleFor(b); known && r.needs && !filled[i] {
			return requiresParameter(i, buttonKind(r.subType))
		}
	}
	return nil
}

// requiresParameter is Meta's 131008 for a button sent without the parameter it needs.
func requiresParameter(index int, kind string) *graph.APIError {
	return apiError(131008, fmt.Sprintf("buttons: Button at index %d of type %s requires a parameter", index, kind))
}

// buttonKind names a button's sub_type as Meta's details do: url → Url, quick_reply →
// QuickReply, voice_call → Call.
func buttonKind(subType string) string {
	if strings.EqualFold(subType, "voice_call") {
		return "Call"
	}
	var b strings.Builder
	for _, w := range strings.Split(strings.ToLower(subType), "_") {
		if w != "" {
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	return b.String()
}

func paramCount(section string, got, want int) *graph.APIError {
	return apiError(132000, fmt.Sprintf("%s: number of localizable_params (%d) does not match the expected number of params (%d)", section, got, want))
}

// Template listing pages: Meta's default page size and the largest it serves.
const (
	defaultTemplatePage = 25
	maxTemplatePage     = 1000
)

// messageTemplates is GET /{waba_id}/message_templates with cursor paging: filters
// (status, name, language, category), limit, after/before cursors, and paging.next only
// while there is more. Each template holds the fields asked for and its id, as Graph's
// field selection does (defaultTemplateFields without ?fields): a sync that stops asking
// for components or parameter_format gets none, as it would from Meta.
func (s *Server) messageTemplates(ctx *fasthttp.RequestCtx) {
	id := pathID(ctx)
	wabaID, isNumber := s.wabaOf(id)
	if isNumber {
		wabaID = ""
	}
	if e := s.authorize(bearer(ctx), "get", id, wabaID); e != nil {
		writeError(ctx, e)
		return
	}
	s.countTemplateList(wabaID)
	if !s.managementCall(ctx, EndpointTemplates, id, wabaID) {
		return
	}
	q := ctx.QueryArgs()
	limit := defaultTemplatePage
	if v := q.Peek("limit"); len(v) > 0 {
		n, err := strconv.Atoi(string(v))
		if err != nil || n < 1 {
			writeError(ctx, invalidParam("Param limit must be a positive integer."))
			return
		}
		limit = min(n, maxTemplatePage)
	}
	// The page is all[offset:end]: after a cursor, up to limit items from it; before one,
	// up to limit items that precede it — never the cursor's own item or any after it.
	offset, end := 0, limit
	if after := q.Peek("after"); len(after) > 0 {
		n, ok := decodeCursor(string(after))
		if !ok {
			writeError(ctx, invalidParam("Param after is not a valid cursor."))
			return
		}
		offset, end = n, n+limit
	} else if before := q.Peek("before"); len(before) > 0 {
		n, ok := decodeCursor(string(before))
		if !ok {
			writeError(ctx, invalidParam("Param before is not a valid cursor."))
			return
		}
		offset, end = max(0, n-limit), n
	}

	all := s.templatesOf(wabaID, func(t graph.MessageTemplate) bool {
		return matches(q.Peek("status"), t.Status) && matches(q.Peek("language"), t.Language) &&
			matches(q.Peek("category"), t.Category) &&
			(len(q.Peek("name")) == 0 || strings.Contains(t.Name, string(q.Peek("name"))))
	})
	fields := string(q.Peek("fields"))
	if fields == "" {
		fields = defaultTemplateFields
	}
	if _, err := only(graph.MessageTemplate{}, fields, knownTemplateField, "WhatsAppBusinessHSM"); err != nil {
		// A Graph field error, not a WhatsApp one, as on the phone number node; an empty
		// page is refused too.
		writeError(ctx, plainError(400, 100, 0, err.Error()))
		return
	}
	var shown []graph.MessageTemplate
	if offset < min(end, len(all)) {
		shown = all[offset:min(end, len(all))]
	}
	page := templatesPage{Data: make([]map[string]json.RawMessage, 0, len(shown))}
	for _, t := range shown {
		v, _ := only(t, fields, knownTemplateField, "WhatsAppBusinessHSM") // fields checked above
		page.Data = append(page.Data, v)
	}
	if len(page.Data) > 0 {
		page.Paging.Cursors = graph.Cursors{Before: encodeCursor(offset), After: encodeCursor(offset + len(page.Data))}
	}
	self := "http://" + string(ctx.Host()) + string(ctx.Path())
	if len(page.Data) > 0 && offset+len(page.Data) < len(all) {
		page.Paging.Next = pageURL(self, q, "after", page.Paging.Cursors.After, limit)
	}
	if offset > 0 && len(page.Data) > 0 {
		page.Paging.Previous = pageURL(self, q, "before", page.Paging.Cursors.Before, limit)
	}
	writeJSON(ctx, 200, page)
}

// templatesPage is graph.TemplatesPage with each template cut to the fields asked for.
type templatesPage struct {
	Data   []map[string]json.RawMessage `json:"data"`
	Paging graph.Paging                 `json:"paging"`
}

// defaultTemplateFields are what GET message_templates returns without ?fields, as Meta's
// reference examples show it (reasoned: Meta documents no list): enough to name a template
// and read its components, but no quality_score, rejected_reason or previous_category.
const defaultTemplateFields = "name,parameter_format,components,language,status,category,sub_category"

// knownTemplateField lists the fields Meta knows on a template (WhatsAppBusinessHSM) that
// may simply be empty here.
func knownTemplateField(f string) bool {
	switch f {
	case "id", "name", "language", "status", "category", "sub_category", "previous_category", "correct_category",
		"components", "parameter_format", "quality_score", "rejected_reason", "library_template_name",
		"message_send_ttl_seconds", "cta_url_link_tracking_opted_out", "bid_spec", "degrees_of_freedom_spec":
		return true
	}
	return false
}

// TemplateListCalls is how many pages of the WABA's template list were asked for (GET
// message_templates, authorized): management calls, of which Meta allows 200 an hour per app
// and WABA (WHATSAPP.md §3).
func (s *Server) TemplateListCalls(wabaID string) int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if w, ok := s.wabas[wabaID]; ok {
		return w.templateLists.Load()
	}
	return 0
}

// countTemplateList counts one page of the WABA's template list asked for (TemplateListCalls),
// the request refused for a bad limit or cursor included: Meta counts those calls too.
func (s *Server) countTemplateList(wabaID string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if w, ok := s.wabas[wabaID]; ok {
		w.templateLists.Add(1)
	}
}

// templatesOf copies the WABA's templates that keep returns true for.
func (s *Server) templatesOf(wabaID string, keep func(graph.MessageTemplate) bool) []graph.MessageTemplate {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []graph.MessageTemplate
	if w, ok := s.wabas[wabaID]; ok {
		for _, t := range w.templates {
			if keep(t) {
				out = append(out, t)
			}
		}
	}
	return out
}

// matches is a case-insensitive filter; an absent filter matches everything.
func matches(filter []byte, v string) bool {
	return len(filter) == 0 || strings.EqualFold(string(filter), v)
}

// pageURL is the current request's URL with the cursor replaced, as Meta builds next and
// previous links (the access token is not repeated: we send it as a header).
func pageURL(self string, q *fasthttp.Args, cursorName, cursor string, limit int) string {
	v := url.Values{}
	q.VisitAll(func(k, val []byte) {
		switch string(k) {
		case "after", "before", "access_token", "limit":
		default:
			v.Add(string(k), string(val))
		}
	})
	v.Set("limit", strconv.Itoa(limit))
	v.Set(cursorName, cursor)
	return self + "?" + v.Encode()
}

// Cursors are opaque to clients, as Meta's are; here they hide an offset.
func encodeCursor(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("fm:" + strconv.Itoa(offset)))
}

func decodeCursor(c string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || !strings.HasPrefix(string(b), "fm:") {
		return 0, false
	}
	n, err := strconv.Atoi(string(b[3:]))
	return n, err == nil && n >= 0
}
