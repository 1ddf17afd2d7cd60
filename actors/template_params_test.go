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

// long is a text parameter of n characters.
func long(n int) TemplateParameterShape { return TemplateParameterShape{Type: "text", Chars: n} }

// The fixture's order_shipped (a TEXT header with {{1}}, a body with {{1}} and {{2}}, a URL
// button with {{1}} at index 0 and a quick reply at 1), black_friday_promo made APPROVED
// (NAMED: an IMAGE header, a body with {{first_name}} and {{discount}}) with a quick reply
// and a copy code, login_code (a body with {{1}}, its code's URL button), and the rest.
// orderShippedLegacy is order_shipped as kept before every button was: only the buttons
// that take a parameter.
var (
	orderShippedParams = &TemplateParams{Header: &HeaderParams{Format: "TEXT", ParamSlots: ParamSlots{Count: 1}},
		Body: &ParamSlots{Count: 2}, Buttons: []ButtonParams{{Index: 0, Type: ButtonURL}, {Index: 1, Type: ButtonQuickReply}}, AllButtons: true}
	orderShippedLegacy = &TemplateParams{Header: &HeaderParams{Format: "TEXT", ParamSlots: ParamSlots{Count: 1}},
		Body: &ParamSlots{Count: 2}, Buttons: []ButtonParams{{Index: 0, Type: ButtonURL}}}
	promoParams = &TemplateParams{Header: &HeaderParams{Format: "IMAGE"}, Body: &ParamSlots{Count: 2, Names: []string{"first_name", "discount"}},
		Buttons: []ButtonParams{{Index: 0, Type: ButtonQuickReply}, {Index: 1, Type: ButtonCopyCode}}, AllButtons: true}
	loginParams = &TemplateParams{Body: &ParamSlots{Count: 1}, Buttons: []ButtonParams{{Index: 0, Type: ButtonURL}}, AllButtons: true}
	linksParams = &TemplateParams{Buttons: []ButtonParams{{Index: 0, Type: ButtonURL, Static: true}, {Index: 1, Type: "PHONE_NUMBER"},
		{Index: 2, Type: ButtonOTP}}, AllButtons: true}
	locationParams = &TemplateParams{Header: &HeaderParams{Format: "LOCATION"}, AllButtons: true}
	plainParams    = &TemplateParams{AllButtons: true}
)

// misfits names each way a send does not fit its template, by the path of the component or
// parameter at fault; a send that fits has none. A definition not known (nil) is checked for
// the rules every template shares only, and one kept before every button was does not refuse
// a button it does not list.
func TestTemplateParamsMisfits(t *testing.T) {
	image := TemplateParameterShape{Type: "image"}
	payload := TemplateParameterShape{Type: "payload"}
	currency, dateTime := TemplateParameterShape{Type: "currency"}, TemplateParameterShape{Type: "date_time"}
	shipped := func(more ...TemplateComponentShape) []TemplateComponentShape {
		return append([]TemplateComponentShape{header(text(1)...), body(text(2)...), button("url", "0", text(1)...)}, more...)
	}
	for _, tc := range []struct {
		name   string
		params *TemplateParams
		sent   []TemplateComponentShape
		want   []string // the details' fields
	}{
		{"positional: fits", orderShippedParams, shipped(), nil},
		{"positional: a quick reply's component is optional", orderShippedParams, shipped(button("quick_reply", "1", payload)), nil},
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
		{"positional: the URL button's parameter a payload", orderShippedParams,
			[]TemplateComponentShape{header(text(1)...), body(text(2)...), button("url", "0", payload)}, []string{"components[2].parameters[0].type"}},
		{"positional: the URL button parameter at the quick reply's index", orderShippedParams,
			[]TemplateComponentShape{header(text(1)...), body(text(2)...), button("url", "1", text(1)...)}, []string{"components[2].sub_type", "components"}},
		{"positional: a quick reply without its payload", orderShippedParams, shipped(button("quick_reply", "1")), []string{"components[3].parameters"}},
		{"positional: a quick reply with a text", orderShippedParams, shipped(button("quick_reply", "1", text(1)...)), []string{"components[3].parameters[0].type"}},
		// What the API queued and Meta then refused (review A, finding 1).
		{"an image in a TEXT header", orderShippedParams,
			[]TemplateComponentShape{header(image), body(text(2)...), button("url", "0", text(1)...)}, []string{"components[0].parameters[0].type"}},
		{"an image in the body", orderShippedParams,
			[]TemplateComponentShape{header(text(1)...), body(image, text(1)[0]), button("url", "0", text(1)...)}, []string{"components[1].parameters[0].type"}},
		{"two bodies", orderShippedParams,
			[]TemplateComponentShape{header(text(1)...), body(text(2)...), body(text(2)...), button("url", "0", text(1)...)}, []string{"components[2].type"}},
		{"two headers", orderShippedParams, append([]TemplateComponentShape{header(text(1)...)}, shipped()...), []string{"components[1].type"}},
		{"a button given twice", orderShippedParams, shipped(button("url", "0", text(1)...)), []string{"components[3].index"}},
		{"a button the template lacks", loginParams,
			[]TemplateComponentShape{body(text(1)...), button("url", "0", text(1)...), button("quick_reply", "1", payload)}, []string{"components[2].index"}},
		{"an index out of range, an unknown sub_type", loginParams,
			[]TemplateComponentShape{body(text(1)...), button("url", "0", text(1)...), button("zzz", "5")}, []string{"components[2].index"}},
		{"a header text of 61 characters", orderShippedParams,
			[]TemplateComponentShape{header(long(61)), body(text(2)...), button("url", "0", text(1)...)}, []string{"components[0].parameters[0].text"}},
		{"a header text of 60 characters", orderShippedParams,
			[]TemplateComponentShape{header(long(60)), body(text(2)...), button("url", "0", text(1)...)}, nil},
		{"a body text of 1,025 characters with other components", orderShippedParams,
			[]TemplateComponentShape{header(text(1)...), body(long(1025), long(5000)), button("url", "0", text(1)...)},
			[]string{"components[1].parameters[0].text", "components[1].parameters[1].text"}},
		{"a body text of 1,024 characters with other components", orderShippedParams,
			[]TemplateComponentShape{header(text(1)...), body(long(1024), long(1)), button("url", "0", text(1)...)}, nil},
		{"a body text of 32,768 characters alone", &TemplateParams{Body: &ParamSlots{Count: 1}, AllButtons: true},
			[]TemplateComponentShape{body(long(32768))}, nil},
		{"a body text of 32,769 characters alone", &TemplateParams{Body: &ParamSlots{Count: 1}, AllButtons: true},
			[]TemplateComponentShape{body(long(32769))}, []string{"components[0].parameters[0].text"}},
		{"currency and date_time in the body and a TEXT header", orderShippedParams,
			[]TemplateComponentShape{header(dateTime), body(currency, dateTime), button("url", "0", text(1)...)}, nil},
		{"named: fits, in any order", promoParams, []TemplateComponentShape{header(image), body(named("discount", "first_name")...)}, nil},
		{"named: a name missing", promoParams, []TemplateComponentShape{header(image), body(named("first_name", "")...)}, []string{"components[1].parameters[1].parameter_name"}},
		{"named: a name not the template's", promoParams, []TemplateComponentShape{header(image), body(named("first_name", "desconto")...)}, []string{"components[1].parameters[1].parameter_name"}},
		{"named: a name twice", promoParams, []TemplateComponentShape{header(image), body(named("first_name", "first_name")...)}, []string{"components[1].parameters[1].parameter_name"}},
		{"named: one short", promoParams, []TemplateComponentShape{header(image), body(named("first_name")...)}, []string{"components[1].parameters"}},
		{"named: the copy code and the quick reply", promoParams, []TemplateComponentShape{header(image), body(named("first_name", "discount")...),
			button("copy_code", "1", TemplateParameterShape{Type: "coupon_code"}), button("quick_reply", "0", payload)}, nil},
		{"named: the copy code as a URL", promoParams, []TemplateComponentShape{header(image), body(named("first_name", "discount")...),
			button("url", "1", text(1)...)}, []string{"components[2].sub_type"}},
		{"header media: none given", promoParams, []TemplateComponentShape{body(named("first_name", "discount")...)}, []string{"components"}},
		{"header media: another type", promoParams,
			[]TemplateComponentShape{header(TemplateParameterShape{Type: "video"}), body(named("first_name", "discount")...)}, []string{"components[0].parameters[0].type"}},
		{"header media: two", promoParams, []TemplateComponentShape{header(image, image), body(named("first_name", "discount")...)}, []string{"components[0].parameters"}},
		{"header media: a location", locationParams, []TemplateComponentShape{header(TemplateParameterShape{Type: "location"})}, nil},
		{"header media: a location as text", locationParams, []TemplateComponentShape{header(text(1)...)}, []string{"components[0].parameters[0].type"}},
		{"buttons: a URL button without a variable takes no parameter", linksParams, []TemplateComponentShape{button("url", "0", text(1)...)},
			[]string{"components[0].parameters"}},
		{"buttons: a phone button is not checked, a zero-tap code is sent as url", linksParams,
			[]TemplateComponentShape{button("phone_number", "1"), button("url", "2", text(1)...)}, nil},
		{"buttons: a zero-tap code as a quick reply", linksParams, []TemplateComponentShape{button("quick_reply", "2", payload)}, []string{"components[0].sub_type"}},
		{"no variables: none given", plainParams, nil, nil},
		{"no variables: a body parameter", plainParams, []TemplateComponentShape{body(text(1)...)}, []string{"components[0].parameters"}},
		{"no variables: a header parameter", plainParams, []TemplateComponentShape{header(text(1)...)}, []string{"components[0].parameters"}},
		{"no variables: an empty body", plainParams, []TemplateComponentShape{body()}, nil},
		{"no variables: a button", plainParams, []TemplateComponentShape{button("quick_reply", "0", payload)}, []string{"components[0].index"}},
		// A definition kept before every button was lists only the URL button: a quick
		// reply (or any index) it does not list is not refused, the rest is checked.
		{"legacy: a quick reply", orderShippedLegacy, shipped(button("quick_reply", "1", payload)), nil},
		{"legacy: an index it does not list", orderShippedLegacy, shipped(button("url", "5", text(1)...)), nil},
		{"legacy: the URL button as a quick reply", orderShippedLegacy,
			[]TemplateComponentShape{header(text(1)...), body(text(2)...), button("quick_reply", "0", payload)}, []string{"components[2].sub_type"}},
		{"legacy: an image in the TEXT header", orderShippedLegacy,
			[]TemplateComponentShape{header(image), body(text(2)...), button("url", "0", text(1)...)}, []string{"components[0].parameters[0].type"}},
		// A definition not known: only the rules every template shares.
		{"not known: anything that fits them", nil, []TemplateComponentShape{header(image), body(text(3)...), button("zzz", "5")}, nil},
		{"not known: two bodies (the second not checked further)", nil, []TemplateComponentShape{body(text(1)...), body(image)},
			[]string{"components[1].type"}},
		{"not known: an image in the body", nil, []TemplateComponentShape{body(image)}, []string{"components[0].parameters[0].type"}},
		{"not known: a button twice, a quick reply without payload", nil, []TemplateComponentShape{button("quick_reply", "1"), button("url", "1", text(1)...)},
			[]string{"components[0].parameters", "components[1].index"}},
		{"not known: texts too long", nil, []TemplateComponentShape{header(long(61)), body(long(1025))},
			[]string{"components[0].parameters[0].text", "components[1].parameters[0].text"}},
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
// (template_parameters_mismatch, with details), and checks only the rules every template
// shares for a template whose definition it does not know: one synced before definitions
// were kept, or announced by webhook only.
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
		code, field    string // field: the one detail's, for template_parameters_mismatch
	}{
		{"known, fits", "order_shipped", append(slices.Clone(noButton), button("url", "0", text(1)...)), "", ""},
		{"known, no button parameter", "order_shipped", noButton, FailureTemplateParams, "components"},
		{"not known (an old sync)", "legacy", noButton, "", ""},
		{"not known (a webhook)", "announced", nil, "", ""},
		{"not known, two bodies", "legacy", append(slices.Clone(noButton), body(text(2)...)), FailureTemplateParams, "components[2].type"},
		{"no such template", "missing", nil, FailureTemplate, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := s.templateRefusal(&TemplateRef{Name: tc.template, Language: "pt_BR", Components: tc.sent})
			switch {
			case tc.code == "" && f != nil:
				t.Fatalf("refused: %+v", f)
			case tc.code != "" && (f == nil || f.Code != tc.code):
				t.Fatalf("answer %+v, want %s", f, tc.code)
			case tc.code == FailureTemplateParams && (len(f.Details) != 1 || f.Details[0].Field != tc.field):
				t.Fatalf("details %+v, want one on %s", f.Details, tc.field)
			}
		})
	}
	if f := s.templateRefusal(nil); f != nil {
		t.Fatalf("a send that is no template: %+v", f)
	}
}

// A definition kept before every button was (a snapshot's, its buttons only those that
// take a parameter) does not refuse a button it does not list; the next sync brings the
// whole definition (an update), which does.
func TestDefinitionKeptBeforeEveryButtonWas(t *testing.T) {
	old := []byte(`{"templates":{"order_shipped|pt_BR":{"id":1,"name":"order_shipped","language":"pt_BR","status":"APPROVED",` +
		`"updatedAt":"2025-01-01T10:00:00Z","synced":true,"params":{"header":{"format":"TEXT","count":1},"body":{"count":2},` +
		`"buttons":[{"index":0,"type":"URL"}]}}},"templatesSyncedAt":"2025-01-01T10:00:00Z"}`)
	var s TenantState
	if err := unmarshal(old, &s); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if got := s.Templates["order_shipped|pt_BR"].Params; !reflect.DeepEqual(got, orderShippedLegacy) {
		t.Fatalf("decoded %+v", got)
	}
	ref := &TemplateRef{Name: "order_shipped", Language: "pt_BR", Components: []TemplateComponentShape{
		header(text(1)...), body(text(2)...), button("url", "0", text(1)...), button("quick_reply", "3", TemplateParameterShape{Type: "payload"})}}
	if f := s.templateRefusal(ref); f != nil {
		t.Fatalf("a button the old definition does not list: %+v", f)
	}
	r := s.syncTemplates(&SyncTemplates{FetchedAt: t0, Templates: []TemplateUpdate{
		{ID: 1, Name: "order_shipped", Language: "pt_BR", Status: TemplateApproved, Params: orderShippedParams}}})
	if r.Updated != 1 || !reflect.DeepEqual(s.Templates["order_shipped|pt_BR"].Params, orderShippedParams) {
		t.Fatalf("the sync after: %+v, %+v", r, s.Templates["order_shipped|pt_BR"].Params)
	}
	if f := s.templateRefusal(ref); f == nil || f.Code != FailureTemplateParams || len(f.Details) != 1 || f.Details[0].Field != "components[3].index" {
		t.Fatalf("after the sync: %+v", f)
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
