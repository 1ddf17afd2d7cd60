package actors

import (
	"reflect"
	"slices"
	"testing"
	"time"
)

// Shapes of a send's components, for the tables below.
func header(params ...TemplateParameterShape) TemplateComponentShape {
	return TemplateComponentShape{Type: "header", Parameters: params}
}

func body(params ...TemplateParameterShape) TemplateComponentShape {
	return TemplateComponentShape{Type: "body", Parameters: params}
}

func button(subType, index string, params ...TemplateParameterShape) TemplateComponentShape {
	return TemplateComponentShape{Type: "button", SubType: subType, Index: index, Parameters: params}
}

func text(n int) []TemplateParameterShape {
	return slices.Repeat([]TemplateParameterShape{{Type: "text"}}, n)
}

func named(names ...string) []TemplateParameterShape {
	var out []TemplateParameterShape
	for _, n := range names {
		out = append(out, TemplateParameterShape{Type: "text", Name: n})
	}
	return out
}

// The fixture's order_shipped (a TEXT header with {{1}}, a body with {{1}} and {{2}}, a URL
// button with {{1}} at index 0 and a quick reply at 1), black_friday_promo made APPROVED
// (NAMED: an IMAGE header, a body with {{first_name}} and {{discount}}), and the rest.
var (
	orderShippedParams = &TemplateParams{Header: &HeaderParams{Format: "TEXT", ParamSlots: ParamSlots{Count: 1}},
		Body: &ParamSlots{Count: 2}, Buttons: []ButtonParams{{Index: 0, Type: ButtonURL}}}
	promoParams = &TemplateParams{Header: &HeaderParams{Format: "IMAGE"},
		Body: &ParamSlots{Count: 2, Names: []string{"first_name", "discount"}}, Buttons: []ButtonParams{{Index: 1, Type: ButtonCopyCode}}}
	locationParams = &TemplateParams{Header: &HeaderParams{Format: "LOCATION"}}
	plainParams    = &TemplateParams{}
)

// misfits names each way a send does not fit its template, by the path of the component or
// parameter at fault; a send that fits has none.
func TestTemplateParamsMisfits(t *testing.T) {
	image := TemplateParameterShape{Type: "image"}
	for _, tc := range []struct {
		name   string
		params *TemplateParams
		sent   []TemplateComponentShape
		want   []string // the details' fields
	}{
		{"positional: fits", orderShippedParams, []TemplateComponentShape{header(text(1)...), body(text(2)...), button("url", "0", text(1)...)}, nil},
		{"positional: a quick reply's payload is optional", orderShippedParams,
			[]TemplateComponentShape{header(text(1)...), body(text(2)...), button("url", "0", text(1)...), button("quick_reply", "1", TemplateParameterShape{Type: "payload"})}, nil},
		{"positional: sub_type in capitals", orderShippedParams, []TemplateComponentShape{header(text(1)...), body(text(2)...), button("URL", "0", text(1)...)}, nil},
		{"positional: no URL button parameter", orderShippedParams, []TemplateComponentShape{header(text(1)...), body(text(2)...)}, []string{"components"}},
		{"positional: nothing at all", orderShippedParams, nil, []string{"components", "components", "components"}},
		{"positional: a body parameter short", orderShippedParams,
			[]TemplateComponentShape{header(text(1)...), body(text(1)...), button("url", "0", text(1)...)}, []string{"components[1].parameters"}},
		{"positional: a header parameter too many", orderShippedParams,
			[]TemplateComponentShape{header(text(2)...), body(text(2)...), button("url", "0", text(1)...)}, []string{"components[0].parameters"}},
		{"positional: the URL button as a quick reply", orderShippedParams,
			[]TemplateComponentShape{header(text(1)...), body(text(2)...), button("quick_reply", "0", text(1)...)}, []string{"components[2].sub_type"}},
		{"positional: the URL button with two parameters", orderShippedParams,
			[]TemplateComponentShape{header(text(1)...), body(text(2)...), button("url", "0", text(2)...)}, []string{"components[2].parameters"}},
		{"positional: the URL button parameter at another index", orderShippedParams,
			[]TemplateComponentShape{header(text(1)...), body(text(2)...), button("url", "1", text(1)...)}, []string{"components"}},
		{"named: fits, in any order", promoParams, []TemplateComponentShape{header(image), body(named("discount", "first_name")...)}, nil},
		{"named: a name missing", promoParams, []TemplateComponentShape{header(image), body(named("first_name", "")...)}, []string{"components[1].parameters[1].parameter_name"}},
		{"named: a name not the template's", promoParams, []TemplateComponentShape{header(image), body(named("first_name", "desconto")...)}, []string{"components[1].parameters[1].parameter_name"}},
		{"named: a name twice", promoParams, []TemplateComponentShape{header(image), body(named("first_name", "first_name")...)}, []string{"components[1].parameters[1].parameter_name"}},
		{"named: one short", promoParams, []TemplateComponentShape{header(image), body(named("first_name")...)}, []string{"components[1].parameters"}},
		{"header media: none given", promoParams, []TemplateComponentShape{body(named("first_name", "discount")...)}, []string{"components"}},
		{"header media: another type", promoParams,
			[]TemplateComponentShape{header(TemplateParameterShape{Type: "video"}), body(named("first_name", "discount")...)}, []string{"components[0].parameters[0].type"}},
		{"header media: two", promoParams, []TemplateComponentShape{header(image, image), body(named("first_name", "discount")...)}, []string{"components[0].parameters"}},
		{"header media: a location", locationParams, []TemplateComponentShape{header(TemplateParameterShape{Type: "location"})}, nil},
		{"header media: a location as text", locationParams, []TemplateComponentShape{header(text(1)...)}, []string{"components[0].parameters[0].type"}},
		{"no variables: none given", plainParams, nil, nil},
		{"no variables: a body parameter", plainParams, []TemplateComponentShape{body(text(1)...)}, []string{"components[0].parameters"}},
		{"no variables: a header parameter", plainParams, []TemplateComponentShape{header(text(1)...)}, []string{"components[0].parameters"}},
		{"no variables: an empty body", plainParams, []TemplateComponentShape{body()}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, d := range tc.params.misfits(tc.sent) {
				if d.Message == "" {
					t.Errorf("%s: no message", d.Field)
				}
				got = append(got, d.Field)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("fields %q, want %q (%+v)", got, tc.want, tc.params.misfits(tc.sent))
			}
		})
	}
}

// The tenant refuses a template send that does not fit a known definition
// (template_parameters_mismatch, with details), and checks nothing for a template whose
// definition it does not know: one synced before definitions were kept, or announced by
// webhook only.
func TestTemplateRefusalChecksOnlyKnownDefinitions(t *testing.T) {
	s := newTenantState()
	s.syncTemplates(&SyncTemplates{FetchedAt: t0, Templates: []TemplateUpdate{
		{ID: 1, Name: "order_shipped", Language: "pt_BR", Status: TemplateApproved, Params: orderShippedParams},
		{ID: 2, Name: "legacy", Language: "pt_BR", Status: TemplateApproved},
	}})
	s.apply(TenantEvent{Field: "message_template_status_update", Time: t0.Add(time.Minute),
		Template: &TemplateUpdate{ID: 3, Name: "announced", Language: "pt-BR", Status: TemplateApproved}})
	noButton := []TemplateComponentShape{header(text(1)...), body(text(2)...)}
	for _, tc := range []struct {
		name, template string
		sent           []TemplateComponentShape
		code           string
	}{
		{"known, fits", "order_shipped", append(slices.Clone(noButton), button("url", "0", text(1)...)), ""},
		{"known, no button parameter", "order_shipped", noButton, FailureTemplateParams},
		{"not known (an old sync)", "legacy", noButton, ""},
		{"not known (a webhook)", "announced", nil, ""},
		{"no such template", "missing", nil, FailureTemplate},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := s.templateRefusal(&TemplateRef{Name: tc.template, Language: "pt_BR", Components: tc.sent})
			switch {
			case tc.code == "" && f != nil:
				t.Fatalf("refused: %+v", f)
			case tc.code != "" && (f == nil || f.Code != tc.code):
				t.Fatalf("answer %+v, want %s", f, tc.code)
			case tc.code == FailureTemplateParams && (len(f.Details) != 1 || f.Details[0].Field != "components"):
				t.Fatalf("details %+v", f.Details)
			}
		})
	}
	if f := s.templateRefusal(nil); f != nil {
		t.Fatalf("a send that is no template: %+v", f)
	}
}

// A definition comes with a sync; a status webhook, which carries none, keeps it; a
// components update drops it (the template was edited: a stale definition must not refuse
// sends that fit the new one) until a sync read after the edit brings it back. A sync
// bringing the same definition again changes nothing.
func TestTemplateDefinitionsFollowSyncsAndWebhooks(t *testing.T) {
	s := newTenantState()
	key := templateKey("order_shipped", "pt_BR")
	sync := func(at time.Time) TemplatesSynced {
		return s.syncTemplates(&SyncTemplates{FetchedAt: at, Templates: []TemplateUpdate{
			{ID: 1, Name: "order_shipped", Language: "pt_BR", Status: TemplateApproved, Params: &TemplateParams{
				Header: &HeaderParams{Format: "TEXT", ParamSlots: ParamSlots{Count: 1}}, Body: &ParamSlots{Count: 2},
				Buttons: []ButtonParams{{Index: 0, Type: ButtonURL}}}},
		}})
	}
	sync(t0)
	if r := sync(t0.Add(time.Minute)); r != (TemplatesSynced{Total: 1}) {
		t.Fatalf("the same definition again: %+v", r)
	}
	s.apply(TenantEvent{Field: "message_template_status_update", Time: t0.Add(2 * time.Minute),
		Template: &TemplateUpdate{ID: 1, Name: "order_shipped", Language: "pt-BR", Status: "PAUSED"}})
	if got := s.Templates[key]; got.Status != "PAUSED" || got.Params == nil {
		t.Fatalf("after a status webhook: %+v", got)
	}
	s.apply(TenantEvent{Field: "message_template_components_update", Time: t0.Add(3 * time.Minute),
		TemplateEdit: &TemplateRef{Name: "order_shipped", Language: "pt-BR"}})
	if got := s.Templates[key]; got.Params != nil || got.Status != "PAUSED" {
		t.Fatalf("after a components update: %+v", got)
	}
	sync(t0.Add(150 * time.Second)) // read before the edit
	if got := s.Templates[key]; got.Params != nil {
		t.Fatalf("a list read before the edit brought its stale definition back: %+v", got.Params)
	}
	if r := sync(t0.Add(4 * time.Minute)); r.Updated != 1 || s.Templates[key].Params == nil {
		t.Fatalf("a sync after the edit: %+v, %+v", r, s.Templates[key])
	}
}

// A tenant snapshot saved before definitions were kept decodes unchanged: its templates
// have no definition (their sends are not checked), and one saved with them keeps them.
func TestTenantSnapshotBeforeTemplateDefinitions(t *testing.T) {
	old := []byte(`{"templates":{"order_shipped|pt_BR":{"id":1789012345678901,"name":"order_shipped","language":"pt_BR",` +
		`"status":"APPROVED","category":"UTILITY","updatedAt":"2025-01-01T10:00:00Z","synced":true}},` +
		`"templatesSyncedAt":"2025-01-01T10:00:00Z","recent":[{"field":"message_template_status_update","time":"2025-01-01T09:00:00Z",` +
		`"template":{"id":1789012345678901,"name":"order_shipped","language":"pt_BR","status":"APPROVED"}}],"aliases":{"CC.ab12":"5511987654321"}}`)
	var s TenantState
	if err := unmarshal(old, &s); err != nil {
		t.Fatalf("decode: %v", err)
	}
	tpl, ok := s.Templates["order_shipped|pt_BR"]
	if !ok || tpl.Status != TemplateApproved || !tpl.Synced || tpl.Params != nil || tpl.ID != 1789012345678901 {
		t.Fatalf("decoded %+v", tpl)
	}
	if f := s.templateRefusal(&TemplateRef{Name: "order_shipped", Language: "pt_BR"}); f != nil {
		t.Fatalf("a template of an old snapshot is checked: %+v", f)
	}
	s.syncTemplates(&SyncTemplates{FetchedAt: t0, Templates: []TemplateUpdate{
		{ID: 1789012345678901, Name: "order_shipped", Language: "pt_BR", Status: TemplateApproved, Params: promoParams}}})
	b, err := marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var again TenantState
	if err := unmarshal(b, &again); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if got := again.Templates["order_shipped|pt_BR"].Params; !reflect.DeepEqual(got, promoParams) {
		t.Fatalf("definition after a round trip: %+v", got)
	}
}
