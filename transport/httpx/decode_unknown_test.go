package httpx

import (
	"errors"
	"reflect"
	"testing"
)

// A member the route does not take is refused (a typo of an optional member, ignored, would
// send something else than the client meant: no reply context, no expiry), and the 400
// names every such member by its whole path — inside arrays and objects too, where the
// decoder named only the last key — and, when one is a slip of a member the route takes
// (a typo, snake_case, other case), which one.
func TestDecodeJSONUnknownFields(t *testing.T) {
	type options struct {
		ValidFor *int `json:"validFor"`
	}
	type body struct {
		options
		TemplateName string `json:"templateName"`
		Components   []struct {
			Type       string `json:"type"`
			Parameters []struct {
				Text string `json:"text"`
			} `json:"parameters"`
		} `json:"components"`
		Header *struct {
			Link string `json:"link"`
		} `json:"header"`
		Extra  map[string]any `json:"extra"`
		Hidden string         `json:"-"`
	}
	for _, tc := range []struct {
		name, json string
		want       []Detail
	}{
		{"typo of a member", `{"templateNmae":"x"}`,
			[]Detail{{Field: "templateNmae", Message: `unknown field; did you mean "templateName"?`}}},
		{"snake_case", `{"template_name":"x"}`,
			[]Detail{{Field: "template_name", Message: `unknown field; did you mean "templateName"?`}}},
		{"an embedded struct's member", `{"validFr":10}`,
			[]Detail{{Field: "validFr", Message: `unknown field; did you mean "validFor"?`}}},
		{"nothing like it", `{"to":"+15551234567"}`,
			[]Detail{{Field: "to", Message: "unknown field"}}},
		{"inside an array", `{"components":[{"type":"body"},{"type":"body","parameters":[{"text":"a","txt":"b"}]}]}`,
			[]Detail{{Field: "components[1].parameters[0].txt", Message: `unknown field; did you mean "text"?`}}},
		{"inside an object", `{"header":{"url":"https://example.com"}}`,
			[]Detail{{Field: "header.url", Message: "unknown field"}}},
		{"every one named", `{"zeta":1,"components":[{"kind":"body"}],"alpha":2}`,
			[]Detail{{Field: "alpha", Message: "unknown field"}, {Field: "components[0].kind", Message: "unknown field"}, {Field: "zeta", Message: "unknown field"}}},
		{"a member json ignores", `{"Hidden":"x"}`,
			[]Detail{{Field: "Hidden", Message: "unknown field"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var dst body
			err := decodeString(tc.json, &dst)
			var e *Error
			if !errors.As(err, &e) || e.Code != CodeValidation || !reflect.DeepEqual(e.Details, tc.want) {
				t.Fatalf("%+v, want %+v", err, tc.want)
			}
		})
	}
	// Members of a free-form object (map) and members in another case are taken.
	var dst body
	if err := decodeString(`{"extra":{"anything":1},"TemplateName":"x"}`, &dst); err != nil || dst.TemplateName != "x" {
		t.Fatalf("%v, %+v", err, dst)
	}
}
