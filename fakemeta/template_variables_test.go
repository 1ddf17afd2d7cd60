package fakemeta

import (
	"slices"
	"testing"

	"github.com/switchboard/switchboard/transport/graph"
)

// Template texts through fakemeta's variable reading (placeholders) and the engine's
// (graph.Placeholders, which decides how many parameters the engine sends): each must find
// the variables Meta's template pages define, once each, in first-use order. Where the
// engine reads otherwise and was left so, engineDiffers says why.
func TestTemplateVariablesAgreeWithEngine(t *testing.T) {
	cases := []struct {
		text          string
		want          []string
		engineDiffers string
	}{
		{"Olá {{1}}, seu pedido chega em {{2}}.", []string{"1", "2"}, ""},
		{"{{1}} e de novo {{1}}", []string{"1"}, ""},
		{"{{2}} antes de {{1}}", []string{"2", "1"}, ""},
		{"Oi {{first_name}}, pedido {{order_id}}", []string{"first_name", "order_id"}, ""},
		{"código {{code_2}}", []string{"code_2"}, ""},
		{"https://example.com/track?id={{1}}", []string{"1"}, ""},
		{"{{1}}{{2}}", []string{"1", "2"}, ""},
		{"{{{1}}}", []string{"1"}, ""},
		{"sem variáveis", nil, ""},
		{"{{}} {{1} {1}} {{ }}", nil, ""},
		{"{{first-name}} {{order id}} {{ñ}}", nil, ""},
		{"{{ 1 }}", nil, "the engine allows spaces inside the braces; Meta's pages never write them (reported, not changed)"},
		{"{{First_Name}}", nil, "the engine allows capitals in a name; Meta's pages write names in lowercase (reported, not changed)"},
	}
	for _, tc := range cases {
		if got := placeholders(tc.text); !slices.Equal(got, tc.want) {
			t.Errorf("fakemeta reads %q as %q, want %q", tc.text, got, tc.want)
		}
		switch agrees := slices.Equal(graph.Placeholders(tc.text), tc.want); {
		case tc.engineDiffers == "" && !agrees:
			t.Errorf("engine reads %q as %q, want %q", tc.text, graph.Placeholders(tc.text), tc.want)
		case tc.engineDiffers != "" && agrees:
			t.Errorf("engine now agrees on %q (%s): drop engineDiffers", tc.text, tc.engineDiffers)
		}
	}
}

// A template whose body has a named variable takes named parameters.
func TestNamedPlaceholders(t *testing.T) {
	cases := map[string]bool{"Oi {{1}}": false, "Oi {{first_name}}": true, "Oi {{1}} {{name}}": true, "Oi": false}
	for text, named := range cases {
		if hasNamedPlaceholders(text) != named {
			t.Errorf("%q: named %v, want %v", text, !named, named)
		}
	}
}
