package engine

import (
	"strings"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/transport/graph"
)

// templateParams reads what a template's sends take from its definition in Meta's list —
// every button by index and type, whether it takes a parameter or not, so that a send
// naming a button the template lacks is refused —, or nil when the definition holds
// anything the engine does not understand (a block type or a header format it does not
// know, such as a carousel): such a template is left unchecked, for Meta to judge, rather
// than refused for parameters it may well take.
func templateParams(mt graph.MessageTemplate) *actors.TemplateParams {
	if len(mt.Components) == 0 {
		return nil // the list was read without its components: nothing is known
	}
	named := strings.EqualFold(mt.ParameterFormat, graph.ParameterFormatNamed)
	slots := func(texts ...string) *actors.ParamSlots {
		var vars []string
		for _, t := range texts {
			vars = append(vars, graph.Placeholders(t)...)
		}
		if len(vars) == 0 {
			return nil
		}
		s := &actors.ParamSlots{Count: len(vars)}
		if named {
			s.Names = vars
		}
		return s
	}
	p := &actors.TemplateParams{AllButtons: true}
	for _, block := range mt.Components {
		switch strings.ToUpper(block.Type) {
		case "HEADER":
			switch format := strings.ToUpper(block.Format); format {
			case "", "TEXT":
				if s := slots(block.Text); s != nil {
					p.Header = &actors.HeaderParams{Format: "TEXT", ParamSlots: *s}
				}
			case "IMAGE", "VIDEO", "DOCUMENT", "LOCATION":
				p.Header = &actors.HeaderParams{Format: format}
			default:
				return nil
			}
		case "BODY":
			p.Body = slots(block.Text)
		case "FOOTER":
		case "BUTTONS":
			for i, b := range block.Buttons {
				btn := actors.ButtonParams{Index: i, Type: strings.ToUpper(b.Type)}
				switch {
				case btn.Type == actors.ButtonURL:
					btn.Static = len(graph.Placeholders(b.URL)) == 0
				case btn.Type == actors.ButtonOTP:
					// Authentication buttons, as a template is created; sent as a URL button
					// whose one parameter is the code (WHATSAPP.md §2), zero-tap ones too: a
					// zero-tap code falls back to a one-tap or copy-code button where it cannot
					// be broadcast (Meta's zero-tap templates page), so the send carries it.
					btn.Type = actors.ButtonURL
				}
				p.Buttons = append(p.Buttons, btn)
			}
		default:
			return nil
		}
	}
	return p
}
