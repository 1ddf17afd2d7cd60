package httpx

import (
	"errors"
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
	} {
		var ctx fasthttp.RequestCtx
		ctx.Request.Header.SetContentType("application/json")
		ctx.Request.SetBodyString(tc.json)
		var dst body
		err := DecodeJSON(&ctx, &dst)
		var e *Error
		if !errors.As(err, &e) || e.Code != CodeValidation || len(e.Details) != 1 ||
			e.Details[0].Field != tc.field || e.Details[0].Message != tc.message {
			t.Errorf("%s: %+v, want %s %q", tc.json, err, tc.field, tc.message)
		}
	}
}
