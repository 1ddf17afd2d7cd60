package fakemeta

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/graph"
)

var placeholderPattern = regexp.MustCompile(`\{\{\s*([A-Za-z0-9_]+)\s*\}\}`)

// placeholders are the distinct {{n}} / {{name}} of a template text, in first-use order.
func placeholders(text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range placeholderPattern.FindAllStringSubmatch(text, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			out = append(out, m[1])
		}
	}
	return out
}

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
// kind → 132012, wrong parameter count → 132000.
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
	for _, c := range t.Components {
		switch c.Type {
		case graph.ComponentHeader:
			header = c.Parameters
		case graph.ComponentBody:
			body = c.Parameters
		}
	}
	for _, block := range def.Components {
		switch block.Type {
		case "HEADER":
			if e := checkHeader(block, header); e != nil {
				return e
			}
		case "BODY":
			want := placeholders(block.Text)
			if len(body) != len(want) {
				return apiError(132000, fmt.Sprintf("body: number of localizable_params (%d) does not match the expected number of params (%d)", len(body), len(want)))
			}
			if def.ParameterFormat == graph.ParameterFormatNamed {
				for i, p := range body {
					if p.ParameterName == "" {
						return invalidParam("The parameter template['components']['body']['parameters'][%d]['parameter_name'] is required for NAMED templates.", i)
					}
				}
			}
		}
	}
	return nil
}

func checkHeader(block graph.TemplateDefinitionBlock, params []graph.TemplateParameter) *graph.APIError {
	format := block.Format
	if format == "" {
		format = "TEXT"
	}
	want := 0
	if format != "TEXT" {
		want = 1 // a media or location header always takes its parameter
	} else {
		want = len(placeholders(block.Text))
	}
	if len(params) != want {
		return apiError(132000, fmt.Sprintf("header: number of localizable_params (%d) does not match the expected number of params (%d)", len(params), want))
	}
	if want == 1 && strings.ToUpper(params[0].Type) != format {
		return apiError(132012, fmt.Sprintf("header: Format mismatch, expected %s, received %s", format, strings.ToUpper(params[0].Type)))
	}
	return nil
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
	offset := 0
	if after := q.Peek("after"); len(after) > 0 {
		n, ok := decodeCursor(string(after))
		if !ok {
			writeError(ctx, invalidParam("Param after is not a valid cursor."))
			return
		}
		offset = n
	} else if before := q.Peek("before"); len(before) > 0 {
		n, ok := decodeCursor(string(before))
		if !ok {
			writeError(ctx, invalidParam("Param before is not a valid cursor."))
			return
		}
		offset = max(0, n-limit)
	}

	all := s.templatesOf(wabaID, func(t graph.MessageTemplate) bool {
		return matches(q.Peek("status"), t.Status) && matches(q.Peek("language"), t.Language) &&
			matches(q.Peek("category"), t.Category) &&
			(len(q.Peek("name")) == 0 || strings.Contains(t.Name, string(q.Peek("name"))))
	})
	page := graph.TemplatesPage{Data: []graph.MessageTemplate{}}
	if offset < len(all) {
		page.Data = all[offset:min(offset+limit, len(all))]
	}
	if len(page.Data) > 0 {
		page.Paging.Cursors = graph.Cursors{Before: encodeCursor(offset), After: encodeCursor(offset + len(page.Data))}
	}
	self := "http://" + string(ctx.Host()) + string(ctx.Path())
	if offset+len(page.Data) < len(all) {
		page.Paging.Next = pageURL(self, q, "after", page.Paging.Cursors.After, limit)
	}
	if offset > 0 && len(page.Data) > 0 {
		page.Paging.Previous = pageURL(self, q, "before", page.Paging.Cursors.Before, limit)
	}
	writeJSON(ctx, 200, page)
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
