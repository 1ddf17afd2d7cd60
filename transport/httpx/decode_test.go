package httpx

import (
	"errors"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"
)

// A body of the wrong type is a 400 naming the field and the type it must have: an
// integer member is an integer, not any number.
func TestDecodeJSONWrongType(t *testing.T) {
	type body struct {
		ValidFor *int     `json:"validFor"`
		Rate     float64  `json:"rate"`
		Body     string   `json:"body"`
		Tags     []string `json:"tags"`
		Parts    []struct {
			Type  string `json:"type"`
			Items []struct {
				N int `json:"n"`
			} `json:"items"`
		} `json:"parts"`
	}
	for _, tc := range []struct {
		json, field, message string
	}{
		{`{"validFor":1.5}`, "validFor", "must be an integer, not number 1.5"},
		{`{"validFor":"10"}`, "validFor", "must be an integer, not string"},
		{`{"validFor":1e3}`, "validFor", "must be an integer, not number 1e3"},
		{`{"validFor":99999999999999999999}`, "validFor", "is out of range"},
		{`{"validFor":-99999999999999999999}`, "validFor", "is out of range"},
		{`{"rate":"fast"}`, "rate", "must be a number, not string"},
		{`{"body":42}`, "body", "must be a string, not number"},
		{`{"tags":"a"}`, "tags", "must be an array, not string"},
		// Members inside arrays are named as the handlers' own details name them.
		{`{"parts":[{"type":1}]}`, "parts[0].type", "must be a string, not number"},
		{`{"parts":[{},{"items":[{"n":1},{"n":"x"}]}]}`, "parts[1].items[1].n", "must be an integer, not string"},
	} {
		var dst body
		err := decodeString(tc.json, &dst)
		var e *Error
		if !errors.As(err, &e) || e.Code != CodeValidation || len(e.Details) != 1 ||
			e.Details[0].Field != tc.field || e.Details[0].Message != tc.message {
			t.Errorf("%s: %+v, want %s %q", tc.json, err, tc.field, tc.message)
		}
	}
}

// Every answer carries the members API.md's envelope names, even empty: clients of the
// platform this replaces read res.message and err.error.details unguarded.
func TestEnvelopeMembers(t *testing.T) {
	for _, c := range []struct {
		name  string
		write func(*fasthttp.RequestCtx)
		want  []string
	}{
		{"success without a message", func(ctx *fasthttp.RequestCtx) { OK(ctx, 200, "", 1) }, []string{`"message":""`, `"data":1`}},
		{"list", func(ctx *fasthttp.RequestCtx) { List(ctx, "Things", []int{}, Pagination{}) }, []string{`"message":"Things"`, `"pagination":`}},
		{"error without details", func(ctx *fasthttp.RequestCtx) { Fail(ctx, NewError(404, CodeNotFound, "Not here")) },
			[]string{`"message":"Not here"`, `"details":[]`}},
		{"validation", func(ctx *fasthttp.RequestCtx) { Fail(ctx, Validation(Detail{Field: "a", Message: "b"})) },
			[]string{`"details":[{"field":"a","message":"b"}]`}},
	} {
		var ctx fasthttp.RequestCtx
		c.write(&ctx)
		for _, w := range c.want {
			if !strings.Contains(string(ctx.Response.Body()), w) {
				t.Errorf("%s: %s lacks %s", c.name, ctx.Response.Body(), w)
			}
		}
	}
}

// decodeString runs DecodeJSON on a JSON request whose body is s.
func decodeString(s string, dst any) error {
	var ctx fasthttp.RequestCtx
	ctx.Request.Header.SetContentType("application/json")
	ctx.Request.SetBodyString(s)
	return DecodeJSON(&ctx, dst)
}
