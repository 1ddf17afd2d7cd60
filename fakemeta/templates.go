package fakemeta

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/graph"
)

// placeholders are the distinct {{n}} / {{name}} of a template text, in first-use order.
func placeholders(text string) []string { return graph.Placeholders(text) }

func hasNamedPlaceholders(text string) bool {
	for _, p := range placeholders(text) {
		if strings.Trim(p, "0123456789") != "" {
			return true
		}
	}
	return false
}

// checkTemplate compares a template send with the WABA's definition, as Meta does at send
// time: missing or unapproved → 132001, paused → 132015, disabled → 132016, wrong header
// kind → 132012, wrong parameters → 132000 with details naming what is wrong: the count of
// the header's, the body's or a dynamic URL button's, and for NAMED templates any
// parameter_name the template does not have or any of its {{names}} not given.
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
	buttons := map[string]graph.TemplateComponent{} // by index
	for _, c := range t.Components {
		switch c.Type {
		case graph.ComponentHeader:
			header = c.Parameters
		case graph.ComponentBody:
			body = c.Parameters
		case graph.ComponentButton:
			buttons[c.Index] = c
		}
	}
	named := def.ParameterFormat == graph.ParameterFormatNamed
	var hasHeader, hasBody bool
	for _, block := range def.Components {
		var e *graph.APIError
		switch block.Type {
		case "HEADER":
			hasHeader = true
			e = checkHeader(block, header, named)
		case "BODY":
			hasBody = true
			e = checkParams("body", placeholders(block.Text), body, named)
		case "BUTTONS":
			e = checkButtons(block.Buttons, buttons)
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
	return nil
}

func checkHeader(block graph.TemplateDefinitionBlock, params []graph.TemplateParameter, named bool) *graph.APIError {
	format := block.Format
	if format == "" {
		format = "TEXT"
	}
	if format == "TEXT" {
		return checkParams("header", placeholders(block.Text), params, named)
	}
	// A media or location header always takes its one parameter.
	if len(params) != 1 {
		return paramCount("header", len(params), 1)
	}
	if strings.ToUpper(params[0].Type) != format {
		return apiError(132012, fmt.Sprintf("header: Format mismatch, expected %s, received %s", format, strings.ToUpper(params[0].Type)))
	}
	return nil
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

// checkButtons checks the parameters of the template's dynamic URL buttons (a {{1}} in
// the url): each needs a button component with sub_type url, the button's index and one
// parameter (WHATSAPP.md §2: "URL button param = code" for authentication templates).
func checkButtons(defs []graph.TemplateButtonDefinition, sent map[string]graph.TemplateComponent) *graph.APIError {
	for i, b := range defs {
		if b.Type != "URL" || len(placeholders(b.URL)) == 0 {
			continue
		}
		section := fmt.Sprintf("button at index %d", i)
		c, ok := sent[strconv.Itoa(i)]
		switch {
		case !ok:
			return paramCount(section, 0, 1)
		case !strings.EqualFold(c.SubType, "url"):
			return apiError(132000, fmt.Sprintf("%s: the template's button is a URL button, received sub_type %s", section, c.SubType))
		case len(c.Parameters) != 1:
			return paramCount(section, len(c.Parameters), 1)
		}
	}
	return nil
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
// while there is more.
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
	page := graph.TemplatesPage{Data: []graph.MessageTemplate{}}
	if offset < min(end, len(all)) {
		page.Data = all[offset:min(end, len(all))]
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
