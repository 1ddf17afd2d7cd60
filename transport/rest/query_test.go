package rest

import (
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/graph"
)

// A page, a limit and a message cursor are digits only: a sign, spaces, a fraction or an
// exponent are a 400 naming the parameter (strconv.Atoi took "+5" as 5, so "limit=+5" listed
// five), and so is a number beyond the machine's int.
func TestPageParametersAreDigitsOnly(t *testing.T) {
	for _, tc := range []struct {
		query string
		bad   string // the parameter refused; "" = accepted
	}{
		{"page=2&limit=5", ""},
		{"limit=007", ""},
		{"limit=%2B5", "limit"},
		{"limit=-0", "limit"},
		{"page=%201", "page"},
		{"page=1%20", "page"},
		{"limit=5.0", "limit"},
		{"limit=1e1", "limit"},
		{"limit=0x10", "limit"},
		{"limit=", "limit"},
		{"page=99999999999999999999", "page"},
	} {
		t.Run(tc.query, func(t *testing.T) {
			var ctx fasthttp.RequestCtx
			ctx.Request.SetRequestURI("/api/v1/conversations?" + tc.query)
			_, details := pageDetails(&ctx)
			if tc.bad == "" && len(details) != 0 || tc.bad != "" && (len(details) != 1 || details[0].Field != tc.bad) {
				t.Fatalf("details %+v, want one on %q", details, tc.bad)
			}
		})
	}
	for _, before := range []string{"%2B3", "-1", "3.0"} {
		var ctx fasthttp.RequestCtx
		ctx.Request.SetRequestURI("/api/v1/messages/c?before=" + before)
		if _, d := messageCursor(&ctx); d == nil || d.Field != "before" {
			t.Fatalf("before=%s accepted", before)
		}
	}
}

// A template button's index is its position, "0" to "9", written as Meta writes it: "+1" or
// " 1" went to Meta, which refused the send after the 202.
func TestTemplateButtonIndexIsADigit(t *testing.T) {
	for index, ok := range map[string]bool{"0": true, "9": true, "10": false, "+1": false, " 1": false, "-0": false, "": false} {
		d := templateDetails("order_shipped", "pt_BR", []graph.TemplateComponent{{Type: graph.ComponentButton, SubType: "url", Index: index,
			Parameters: []graph.TemplateParameter{{Type: "text", Text: "8812"}}}})
		if ok && len(d) != 0 || !ok && (len(d) != 1 || d[0].Field != "components[0].index") {
			t.Errorf("index %q: %+v", index, d)
		}
	}
}
