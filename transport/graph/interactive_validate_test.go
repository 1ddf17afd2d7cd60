package graph

import (
	"strings"
	"testing"
)

// Meta's interactive rules, each named by the path of the member that breaks it, in both
// spellings: Meta's (fakemeta's error 100) and the API's field names.
func TestValidateInteractive(t *testing.T) {
	buttons := func(bs ...ReplyButton) *InteractiveObject { o := ButtonsInteractive("Escolha", bs...); return &o }
	list := func(button string, secs ...ListSection) *InteractiveObject {
		o := ListInteractive("Escolha", button, secs...)
		return &o
	}
	rows := func(n int, prefix string) []ListRow {
		out := make([]ListRow, n)
		for i := range out {
			out[i] = ListRow{ID: prefix + string(rune('a'+i)), Title: "Opção " + string(rune('A'+i))}
		}
		return out
	}
	for _, tc := range []struct {
		name        string
		in          *InteractiveObject
		meta, field string // "" when valid
		required    bool
		rule        string
	}{
		{"buttons", buttons(NewReplyButton("yes", "Sim"), NewReplyButton("no", "Não")), "", "", false, ""},
		{"list", list("Ver horários", ListSection{Title: "Manhã", Rows: rows(3, "m")}, ListSection{Title: "Tarde", Rows: rows(2, "t")}), "", "", false, ""},
		{"nothing", nil, "interactive", "interactive", true, ""},
		{"no body", &InteractiveObject{Type: InteractiveButton, Action: InteractiveAction{Buttons: []ReplyButton{NewReplyButton("a", "A")}}},
			"interactive['body']['text']", "interactive.body.text", true, ""},
		{"no buttons", buttons(), "interactive['action']['buttons']", "interactive.action.buttons", false, "at least 1"},
		{"four buttons", buttons(NewReplyButton("a", "A"), NewReplyButton("b", "B"), NewReplyButton("c", "C"), NewReplyButton("d", "D")),
			"interactive['action']['buttons']", "interactive.action.buttons", false, "at most 3"},
		{"long title", buttons(NewReplyButton("a", "A"), NewReplyButton("b", strings.Repeat("b", 21))),
			"interactive['action']['buttons'][1]['reply']['title']", "interactive.action.buttons[1].reply.title", false, "at most 20"},
		{"twice the same id", buttons(NewReplyButton("a", "A"), NewReplyButton("a", "B")),
			"interactive['action']['buttons'][1]['reply']['id']", "interactive.action.buttons[1].reply.id", false, "unique"},
		{"not a reply button", buttons(ReplyButton{Type: "url", Reply: ReplyTitle{ID: "a", Title: "A"}}),
			"interactive['action']['buttons'][0]['type']", "interactive.action.buttons[0].type", false, "REPLY"},
		{"list without a label", list("", ListSection{Rows: rows(1, "x")}), "interactive['action']['button']", "interactive.action.button", true, ""},
		{"eleven rows", list("Ver", ListSection{Title: "A", Rows: rows(6, "a")}, ListSection{Title: "B", Rows: rows(5, "b")}),
			"interactive['action']['sections']", "interactive.action.sections", false, "at most 10 rows"},
		{"untitled second section", list("Ver", ListSection{Title: "A", Rows: rows(1, "a")}, ListSection{Rows: rows(1, "b")}),
			"interactive['action']['sections'][1]['title']", "interactive.action.sections[1].title", false, "more than one section"},
		{"second section titled with spaces", list("Ver", ListSection{Title: "A", Rows: rows(1, "a")}, ListSection{Title: "  ", Rows: rows(1, "b")}),
			"interactive['action']['sections'][1]['title']", "interactive.action.sections[1].title", false, "more than one section"},
		{"row without id", list("Ver", ListSection{Rows: []ListRow{{Title: "A"}}}),
			"interactive['action']['sections'][0]['rows'][0]['id']", "interactive.action.sections[0].rows[0].id", true, ""},
		{"long description", list("Ver", ListSection{Rows: []ListRow{{ID: "a", Title: "A", Description: strings.Repeat("d", 73)}}}),
			"interactive['action']['sections'][0]['rows'][0]['description']", "interactive.action.sections[0].rows[0].description", false, "at most 72"},
		// A list's header is text only; reply buttons may show media above the body.
		{"list with an image header", withHeader(list("Ver", ListSection{Rows: rows(1, "a")}), &InteractiveHeader{Type: "image", Image: &MediaObject{ID: "1"}}),
			"interactive['header']['type']", "interactive.header.type", false, "must be text"},
		{"buttons with an image header", withHeader(buttons(NewReplyButton("a", "A")), &InteractiveHeader{Type: "image", Image: &MediaObject{ID: "1"}}), "", "", false, ""},
		{"buttons with a sticker header", withHeader(buttons(NewReplyButton("a", "A")), &InteractiveHeader{Type: "sticker"}),
			"interactive['header']['type']", "interactive.header.type", false, "must be one of"},
		{"image header without its image", withHeader(buttons(NewReplyButton("a", "A")), &InteractiveHeader{Type: "image"}),
			"interactive['header']['image']", "interactive.header.image", true, ""},
		{"text header without text", withHeader(buttons(NewReplyButton("a", "A")), &InteractiveHeader{Type: "text", Text: " "}),
			"interactive['header']['text']", "interactive.header.text", true, ""},
		{"footer without text", withFooter(buttons(NewReplyButton("a", "A")), ""),
			"interactive['footer']['text']", "interactive.footer.text", true, ""},
		// Meta counts characters: a list body holds 4096 of them, a reply-button body 1024.
		{"list body of 4096 characters", withBody(list("Ver", ListSection{Rows: rows(1, "a")}), strings.Repeat("é", 4096)), "", "", false, ""},
		{"list body of 4097 characters", withBody(list("Ver", ListSection{Rows: rows(1, "a")}), strings.Repeat("é", 4097)),
			"interactive['body']['text']", "interactive.body.text", false, "at most 4096"},
		{"buttons body of 1024 characters", withBody(buttons(NewReplyButton("a", "A")), strings.Repeat("😀", 1024)), "", "", false, ""},
		{"buttons body of 1025 characters", withBody(buttons(NewReplyButton("a", "A")), strings.Repeat("a", 1025)),
			"interactive['body']['text']", "interactive.body.text", false, "at most 1024"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := ValidateInteractive(tc.in)
			if tc.meta == "" {
				if p != nil {
					t.Fatalf("valid object refused: %+v", p)
				}
				return
			}
			if p == nil {
				t.Fatal("accepted")
			}
			if p.MetaPath() != tc.meta || p.FieldPath() != tc.field || p.Required != tc.required || !strings.Contains(p.Rule, tc.rule) {
				t.Fatalf("problem %q / %q required %v rule %q; want %q / %q required %v rule ~%q",
					p.MetaPath(), p.FieldPath(), p.Required, p.Rule, tc.meta, tc.field, tc.required, tc.rule)
			}
		})
	}
}

func withHeader(in *InteractiveObject, h *InteractiveHeader) *InteractiveObject {
	in.Header = h
	return in
}

func withFooter(in *InteractiveObject, text string) *InteractiveObject {
	in.Footer = &InteractiveText{Text: text}
	return in
}

func withBody(in *InteractiveObject, text string) *InteractiveObject {
	in.Body = &InteractiveText{Text: text}
	return in
}

// Every problem is reported, one per member, in the order the message reads, and no more
// than MaxInteractiveProblems; ValidateInteractive is the first of them (what Meta names).
func TestInteractiveProblems(t *testing.T) {
	o := ButtonsInteractive("", NewReplyButton("", strings.Repeat("t", 21)), NewReplyButton("b", "B"), NewReplyButton("b", "C"), NewReplyButton("d", "D"))
	var got []string
	for _, p := range InteractiveProblems(&o) {
		got = append(got, p.FieldPath())
	}
	want := []string{
		"interactive.body.text",
		"interactive.action.buttons",                // four: at most 3
		"interactive.action.buttons[0].reply.id",    // missing, not also "unique"
		"interactive.action.buttons[0].reply.title", // too long
		"interactive.action.buttons[2].reply.id",    // b twice
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("problems %v, want %v", got, want)
	}
	if first := ValidateInteractive(&o); first == nil || first.FieldPath() != want[0] {
		t.Fatalf("first problem %+v, want %s", first, want[0])
	}

	rows := make([]ListRow, 30) // no ids, no titles: 60 problems
	l := ListInteractive("Escolha", "Ver", ListSection{Rows: rows})
	if n := len(InteractiveProblems(&l)); n != MaxInteractiveProblems {
		t.Fatalf("%d problems, want the first %d", n, MaxInteractiveProblems)
	}
}
