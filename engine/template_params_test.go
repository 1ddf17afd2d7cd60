package engine

import (
	"reflect"
	"testing"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/transport/graph"
)

// A definition in Meta's list becomes the parameters its sends take, with every button by
// index and type; one holding anything the engine does not understand, or none at all, is
// left unchecked (nil).
func TestTemplateParamsFromDefinitions(t *testing.T) {
	text := func(n int) *actors.ParamSlots { return &actors.ParamSlots{Count: n} }
	for _, tc := range []struct {
		name   string
		format string
		blocks []graph.TemplateDefinitionBlock
		want   *actors.TemplateParams
	}{
		{"positional, a URL button with a variable", "POSITIONAL", []graph.TemplateDefinitionBlock{
			{Type: "HEADER", Format: "TEXT", Text: "Pedido {{1}} enviado"},
			{Type: "BODY", Text: "Olá {{1}}, chega em {{2}}; {{1}} de novo."},
			{Type: "BUTTONS", Buttons: []graph.TemplateButtonDefinition{
				{Type: "URL", URL: "https://loja.example.com/rastreio/{{1}}"}, {Type: "QUICK_REPLY"}, {Type: "URL", URL: "https://loja.example.com"}}},
		}, &actors.TemplateParams{Header: &actors.HeaderParams{Format: "TEXT", ParamSlots: *text(1)}, Body: text(2), AllButtons: true,
			Buttons: []actors.ButtonParams{{Index: 0, Type: "URL"}, {Index: 1, Type: "QUICK_REPLY"}, {Index: 2, Type: "URL", Static: true}}}},
		{"named, an image header, a copy code", "NAMED", []graph.TemplateDefinitionBlock{
			{Type: "HEADER", Format: "IMAGE"},
			{Type: "BODY", Text: "{{first_name}}, até {{discount}} OFF"},
			{Type: "FOOTER", Text: "Responda SAIR"},
			{Type: "BUTTONS", Buttons: []graph.TemplateButtonDefinition{{Type: "quick_reply"}, {Type: "COPY_CODE"}, {Type: "PHONE_NUMBER"}, {Type: "FLOW"}}},
		}, &actors.TemplateParams{Header: &actors.HeaderParams{Format: "IMAGE"}, Body: &actors.ParamSlots{Count: 2, Names: []string{"first_name", "discount"}},
			Buttons:    []actors.ButtonParams{{Index: 0, Type: "QUICK_REPLY"}, {Index: 1, Type: "COPY_CODE"}, {Index: 2, Type: "PHONE_NUMBER"}, {Index: 3, Type: "FLOW"}},
			AllButtons: true}},
		{"authentication, as created", "", []graph.TemplateDefinitionBlock{
			{Type: "BODY", Text: "*{{1}}* é seu código."},
			{Type: "BUTTONS", Buttons: []graph.TemplateButtonDefinition{{Type: "OTP", OTPType: "COPY_CODE"}}},
		}, &actors.TemplateParams{Body: text(1), Buttons: []actors.ButtonParams{{Index: 0, Type: "URL"}}, AllButtons: true}},
		{"authentication, zero tap", "", []graph.TemplateDefinitionBlock{
			{Type: "BODY", Text: "*{{1}}* é seu código."},
			{Type: "BUTTONS", Buttons: []graph.TemplateButtonDefinition{{Type: "OTP", OTPType: "ZERO_TAP"}}},
		}, &actors.TemplateParams{Body: text(1), Buttons: []actors.ButtonParams{{Index: 0, Type: "URL"}}, AllButtons: true}},
		{"no variables", "POSITIONAL", []graph.TemplateDefinitionBlock{
			{Type: "HEADER", Format: "TEXT", Text: "Aviso"}, {Type: "BODY", Text: "Aviso importante."},
		}, &actors.TemplateParams{AllButtons: true}},
		{"a location header", "", []graph.TemplateDefinitionBlock{{Type: "HEADER", Format: "LOCATION"}, {Type: "BODY", Text: "Aqui."}},
			&actors.TemplateParams{Header: &actors.HeaderParams{Format: "LOCATION"}, AllButtons: true}},
		{"a header format not known", "", []graph.TemplateDefinitionBlock{{Type: "HEADER", Format: "GIF"}, {Type: "BODY", Text: "Oi {{1}}"}}, nil},
		{"a carousel", "", []graph.TemplateDefinitionBlock{{Type: "BODY", Text: "Oi {{1}}"}, {Type: "CAROUSEL"}}, nil},
		{"no components read", "", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := templateParams(graph.MessageTemplate{Name: "t", ParameterFormat: tc.format, Components: tc.blocks})
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}
