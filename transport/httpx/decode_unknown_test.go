package httpx

import (
	"errors"
	"reflect"
	"strings"
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
		// The refusal names what a client needs to find its mistake, not what it sent: a key
		// of a megabyte is neither echoed whole nor compared with every member (the login
		// route refuses such bodies before anyone is authenticated), and a body of a hundred
		// thousand unknown keys is not answered with as many details.
		{"a long key, cut and with no suggestion", `{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa":1}`,
			[]Detail{{Field: strings.Repeat("a", maxNamedKey) + "…", Message: "unknown field"}}},
		{"many unknown members, the first named", `{"k00":1,"k01":1,"k02":1,"k03":1,"k04":1,"k05":1,"k06":1,"k07":1,"k08":1,"k09":1,"k10":1,"k11":1,"k12":1,"k13":1,"k14":1,"k15":1,"k16":1,"k17":1,"k18":1,"k19":1,"k20":1,"k21":1,"k22":1,"k23":1,"k24":1,"k25":1,"k26":1,"k27":1,"k28":1,"k29":1}`,
			[]Detail{{Field: "k00", Message: "unknown field"}, {Field: "k01", Message: "unknown field"}, {Field: "k02", Message: "unknown field"}, {Field: "k03", Message: "unknown field"}, {Field: "k04", Message: "unknown field"}, {Field: "k05", Message: "unknown field"}, {Field: "k06", Message: "unknown field"}, {Field: "k07", Message: "unknown field"}, {Field: "k08", Message: "unknown field"}, {Field: "k09", Message: "unknown field"}, {Field: "k10", Message: "unknown field"}, {Field: "k11", Message: "unknown field"}, {Field: "k12", Message: "unknown field"}, {Field: "k13", Message: "unknown field"}, {Field: "k14", Message: "unknown field"}, {Field: "k15", Message: "unknown field"}, {Field: "k16", Message: "unknown field"}, {Field: "k17", Message: "unknown field"}, {Field: "k18", Message: "unknown field"}, {Field: "k19", Message: "unknown field"}, {Field: "…", Message: "10 more unknown fields"}}},
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

// SelfEmbedding and Embedder are JSON bodies whose types embed themselves, directly or
// through one another, as a tree of nested options might.
type (
	SelfEmbedding struct {
		*SelfEmbedding
		Name string         `json:"name"`
		Next *SelfEmbedding `json:"next"`
	}
	Embedder struct {
		*Embedded
		Label string `json:"label"`
	}
	Embedded struct {
		*Embedder
		Value int `json:"value"`
	}
)

// Listing a type's members followed its untagged embedded structs with no end: a type that
// embeds itself (or another that embeds it back) sent the refusal of an unknown member into
// endless recursion, and the process down with a stack overflow, which no recover catches.
// Each embedded type is followed once; the members it adds are named all the same.
func TestUnknownFieldsOfSelfEmbeddingTypes(t *testing.T) {
	for _, tc := range []struct {
		name string
		typ  reflect.Type
		body string
		want []Detail
	}{
		{"a type embedding itself", reflect.TypeFor[*SelfEmbedding](), `{"next":{"nme":"x"}}`,
			[]Detail{{Field: "next.nme", Message: `unknown field; did you mean "name"?`}}},
		{"two types embedding each other", reflect.TypeFor[*Embedder](), `{"lable":"x","valeu":1}`,
			[]Detail{{Field: "lable", Message: `unknown field; did you mean "label"?`}, {Field: "valeu", Message: `unknown field; did you mean "value"?`}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := decodeString(tc.body, reflect.New(tc.typ.Elem()).Interface())
			var e *Error
			if !errors.As(err, &e) || e.Code != CodeValidation || !reflect.DeepEqual(e.Details, tc.want) {
				t.Fatalf("%+v, want %+v", err, tc.want)
			}
		})
	}
}

// Shadowed and Shadowing: an outer member named like a member of a struct embedded before it.
type (
	Shadowed struct {
		Header struct {
			Link string `json:"link"`
		} `json:"header"`
	}
	Shadowing struct {
		Shadowed
		Header struct {
			URL string `json:"url"`
		} `json:"header"`
	}
)

// A member of the outer struct shadows a promoted one of the same name (the decoder takes the
// shallower, as encoding/json does). The walk used the first listed, the embedded struct's,
// so it named the outer member's own fields unknown and suggested the shadowed one's.
func TestUnknownFieldsFollowTheShallowerMember(t *testing.T) {
	var dst Shadowing
	err := decodeString(`{"header":{"url":"https://example.com","lnk":"x"}}`, &dst)
	want := []Detail{{Field: "header.lnk", Message: "unknown field"}}
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeValidation || !reflect.DeepEqual(e.Details, want) {
		t.Fatalf("%+v, want %+v", err, want)
	}
}
