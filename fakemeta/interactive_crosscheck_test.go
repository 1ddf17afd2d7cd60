package fakemeta

import (
	"fmt"
	"strings"
	"testing"

	json "github.com/goccy/go-json"

	"github.com/switchboard/switchboard/internal/fixtures"
	"github.com/switchboard/switchboard/transport/graph"
)

// interactiveCase is one interactive message, the member Meta's pages say is wrong with it
// ("" when it is a message Meta takes), and, when the engine is known to answer otherwise
// and that was left as it is, why.
type interactiveCase struct {
	name    string
	in      *graph.InteractiveObject
	refuses string // the Meta path of the member at fault; "" when Meta takes it
	// engineDiffers is why the engine's rule answers otherwise and was not changed; "" when
	// it must agree.
	engineDiffers string
}

// Every reply-button and list rule of Meta's pages, at and past its limit, through
// fakemeta's check (validateInteractive) and the engine's (graph.ValidateInteractive, which
// the REST edge applies before a send): each must take what Meta takes and refuse what it
// refuses, naming the same member.
func TestInteractiveRulesAgreeWithEngine(t *testing.T) {
	for _, tc := range interactiveCases() {
		t.Run(tc.name, func(t *testing.T) {
			fake := ""
			if e := validateInteractive(tc.in); e != nil {
				fake = e.Details
				if e.Code != 100 {
					t.Fatalf("fakemeta answers code %d, want 100: %s", e.Code, e.Details)
				}
			}
			if !namesMember(fake, tc.refuses) {
				t.Errorf("fakemeta: %q, want %s", fake, verdict(tc.refuses))
			}
			engine := ""
			if p := graph.ValidateInteractive(tc.in); p != nil {
				engine = p.MetaPath() + " " // as a path ends in Meta's wording
			}
			switch agrees := namesMember(engine, tc.refuses); {
			case tc.engineDiffers == "" && !agrees:
				t.Errorf("engine: %q, want %s", engine, verdict(tc.refuses))
			case tc.engineDiffers != "" && agrees:
				t.Errorf("engine now agrees (%s): drop engineDiffers", tc.engineDiffers)
			}
		})
	}
}

// The shared fixtures' interactive sends, written from Meta's examples, are taken by both.
func TestInteractiveFixturesPassBoth(t *testing.T) {
	for _, f := range []string{"requests/send_interactive_buttons.json", "requests/send_interactive_list.json"} {
		var req graph.SendRequest
		if err := json.Unmarshal(fixtures.Read(t, f), &req); err != nil || req.Interactive == nil {
			t.Fatalf("%s: %v", f, err)
		}
		if e := validateInteractive(req.Interactive); e != nil {
			t.Errorf("%s: fakemeta refuses: %s", f, e.Details)
		}
		if p := graph.ValidateInteractive(req.Interactive); p != nil {
			t.Errorf("%s: engine refuses: %s %s", f, p.MetaPath(), p.Rule)
		}
	}
}

// namesMember reports whether an answer ("" for none) is the one wanted: none, or a refusal
// naming the member at path (followed by a space, so a parent does not match a child).
func namesMember(answer, path string) bool {
	if path == "" {
		return answer == ""
	}
	return strings.Contains(answer, path+" ")
}

func verdict(path string) string {
	if path == "" {
		return "taken"
	}
	return "refused at " + path
}

const (
	buttonsAt  = "interactive['action']['buttons']"
	sectionsAt = "interactive['action']['sections']"
)

func interactiveCases() []interactiveCase {
	x := strings.Repeat
	emoji := "🙂" // one character, four bytes: limits count characters
	buttons := func(bs ...graph.ReplyButton) *graph.InteractiveObject {
		o := graph.ButtonsInteractive("Pick one", bs...)
		return &o
	}
	btn := graph.NewReplyButton
	list := func(sections ...graph.ListSection) *graph.InteractiveObject {
		o := graph.ListInteractive("Pick a slot", "Slots", sections...)
		return &o
	}
	rows := func(prefix string, n int) []graph.ListRow {
		out := make([]graph.ListRow, n)
		for i := range out {
			out[i] = graph.ListRow{ID: fmt.Sprintf("%s%d", prefix, i), Title: fmt.Sprintf("Row %s%d", prefix, i)}
		}
		return out
	}
	section := func(title string, rs ...graph.ListRow) graph.ListSection {
		return graph.ListSection{Title: title, Rows: rs}
	}
	edit := func(o *graph.InteractiveObject, f func(*graph.InteractiveObject)) *graph.InteractiveObject {
		f(o)
		return o
	}
	row := graph.ListRow{ID: "r", Title: "Row"}

	return []interactiveCase{
		{name: "three buttons", in: buttons(btn("a", "A"), btn("b", "B"), btn("c", "C"))},
		{name: "no button", in: buttons(), refuses: buttonsAt},
		{name: "four buttons", in: buttons(btn("a", "A"), btn("b", "B"), btn("c", "C"), btn("d", "D")), refuses: buttonsAt},
		{name: "label of 20", in: buttons(btn("a", x("l", 20)))},
		{name: "label of 20 emoji", in: buttons(btn("a", x(emoji, 20)))},
		{name: "label of 21", in: buttons(btn("a", x("l", 21))), refuses: buttonsAt + "[0]['reply']['title']"},
		{name: "button id of 256", in: buttons(btn(x("i", 256), "A"))},
		{name: "button id of 257", in: buttons(btn(x("i", 257), "A")), refuses: buttonsAt + "[0]['reply']['id']"},
		{name: "button without id", in: buttons(btn("", "A")), refuses: buttonsAt + "[0]['reply']['id']"},
		{name: "button label of spaces", in: buttons(btn("a", "  ")), refuses: buttonsAt + "[0]['reply']['title']"},
		{name: "two buttons, one id", in: buttons(btn("a", "A"), btn("a", "B")), refuses: buttonsAt + "[1]['reply']['id']"},
		{name: "two buttons, one label", in: buttons(btn("a", "A"), btn("b", "A")), refuses: buttonsAt + "[1]['reply']['title']"},
		{name: "button of another type", in: buttons(graph.ReplyButton{Type: "url", Reply: graph.ReplyTitle{ID: "a", Title: "A"}}), refuses: buttonsAt + "[0]['type']"},
		{name: "buttons without body", in: edit(buttons(btn("a", "A")), func(o *graph.InteractiveObject) { o.Body = nil }), refuses: "interactive['body']['text']"},
		{name: "buttons with a body of spaces", in: edit(buttons(btn("a", "A")), func(o *graph.InteractiveObject) { o.Body.Text = " \n " }), refuses: "interactive['body']['text']"},
		{name: "buttons body of 1024", in: edit(buttons(btn("a", "A")), func(o *graph.InteractiveObject) { o.Body.Text = x("b", 1024) })},
		{name: "buttons body of 1025", in: edit(buttons(btn("a", "A")), func(o *graph.InteractiveObject) { o.Body.Text = x("b", 1025) }), refuses: "interactive['body']['text']"},
		{name: "buttons under an image", in: edit(buttons(btn("a", "A")), func(o *graph.InteractiveObject) {
			o.Header = &graph.InteractiveHeader{Type: "image", Image: &graph.MediaObject{ID: "1188223344556677"}}
		})},
		{name: "buttons under a document without its object", in: edit(buttons(btn("a", "A")), func(o *graph.InteractiveObject) {
			o.Header = &graph.InteractiveHeader{Type: "document"}
		}), refuses: "interactive['header']['document']"},
		{name: "buttons under a location header", in: edit(buttons(btn("a", "A")), func(o *graph.InteractiveObject) {
			o.Header = &graph.InteractiveHeader{Type: "location"}
		}), refuses: "interactive['header']['type']"},
		{name: "header text of 60", in: edit(buttons(btn("a", "A")), func(o *graph.InteractiveObject) {
			o.Header = &graph.InteractiveHeader{Type: "text", Text: x("h", 60)}
		})},
		{name: "header text of 61", in: edit(buttons(btn("a", "A")), func(o *graph.InteractiveObject) {
			o.Header = &graph.InteractiveHeader{Type: "text", Text: x("h", 61)}
		}), refuses: "interactive['header']['text']"},
		{name: "text header without text", in: edit(buttons(btn("a", "A")), func(o *graph.InteractiveObject) {
			o.Header = &graph.InteractiveHeader{Type: "text"}
		}), refuses: "interactive['header']['text']"},
		{name: "footer of 60", in: edit(buttons(btn("a", "A")), func(o *graph.InteractiveObject) { o.Footer = &graph.InteractiveText{Text: x("f", 60)} })},
		{name: "footer of 61", in: edit(buttons(btn("a", "A")), func(o *graph.InteractiveObject) { o.Footer = &graph.InteractiveText{Text: x("f", 61)} }),
			refuses: "interactive['footer']['text']"},
		{name: "empty footer", in: edit(buttons(btn("a", "A")), func(o *graph.InteractiveObject) { o.Footer = &graph.InteractiveText{} }),
			refuses: "interactive['footer']['text']"},

		{name: "list of one untitled section", in: list(section("", row))},
		{name: "ten rows over three sections", in: list(section("A", rows("a", 4)...), section("B", rows("b", 3)...), section("C", rows("c", 3)...))},
		{name: "eleven rows in one section", in: list(section("A", rows("a", 11)...)), refuses: sectionsAt},
		{name: "eleven rows over two sections", in: list(section("A", rows("a", 6)...), section("B", rows("b", 5)...)), refuses: sectionsAt},
		{name: "no section", in: list(), refuses: sectionsAt},
		{name: "a section without rows", in: list(section("A", row), section("B")), refuses: sectionsAt + "[1]['rows']"},
		{name: "two sections, one untitled", in: list(section("A", rows("a", 1)...), section("", rows("b", 1)...)), refuses: sectionsAt + "[1]['title']"},
		{name: "two sections, one titled with spaces", in: list(section("A", rows("a", 1)...), section("  ", rows("b", 1)...)), refuses: sectionsAt + "[1]['title']"},
		{name: "section title of 24", in: list(section(x("s", 24), row))},
		{name: "section title of 25", in: list(section(x("s", 25), row)), refuses: sectionsAt + "[0]['title']"},
		{name: "row id of 200", in: list(section("", graph.ListRow{ID: x("i", 200), Title: "Row"}))},
		{name: "row id of 201", in: list(section("", graph.ListRow{ID: x("i", 201), Title: "Row"})), refuses: sectionsAt + "[0]['rows'][0]['id']"},
		{name: "row without id", in: list(section("", graph.ListRow{Title: "Row"})), refuses: sectionsAt + "[0]['rows'][0]['id']"},
		{name: "one row id in two sections", in: list(section("A", row), section("B", row)), refuses: sectionsAt + "[1]['rows'][0]['id']"},
		{name: "row title of 24", in: list(section("", graph.ListRow{ID: "r", Title: x(emoji, 24)}))},
		{name: "row title of 25", in: list(section("", graph.ListRow{ID: "r", Title: x("t", 25)})), refuses: sectionsAt + "[0]['rows'][0]['title']"},
		{name: "row without title", in: list(section("", graph.ListRow{ID: "r"})), refuses: sectionsAt + "[0]['rows'][0]['title']"},
		{name: "row description of 72", in: list(section("", graph.ListRow{ID: "r", Title: "Row", Description: x("d", 72)}))},
		{name: "row description of 73", in: list(section("", graph.ListRow{ID: "r", Title: "Row", Description: x("d", 73)})),
			refuses: sectionsAt + "[0]['rows'][0]['description']"},
		{name: "list opener of 20", in: edit(list(section("", row)), func(o *graph.InteractiveObject) { o.Action.Button = x("o", 20) })},
		{name: "list opener of 21", in: edit(list(section("", row)), func(o *graph.InteractiveObject) { o.Action.Button = x("o", 21) }),
			refuses: "interactive['action']['button']"},
		{name: "list without opener", in: edit(list(section("", row)), func(o *graph.InteractiveObject) { o.Action.Button = "" }),
			refuses: "interactive['action']['button']"},
		{name: "list body of 4096", in: edit(list(section("", row)), func(o *graph.InteractiveObject) { o.Body.Text = x("b", 4096) })},
		{name: "list body of 4097", in: edit(list(section("", row)), func(o *graph.InteractiveObject) { o.Body.Text = x("b", 4097) }),
			refuses: "interactive['body']['text']"},
		{name: "list under an image", in: edit(list(section("", row)), func(o *graph.InteractiveObject) {
			o.Header = &graph.InteractiveHeader{Type: "image", Image: &graph.MediaObject{ID: "1188223344556677"}}
		}), refuses: "interactive['header']['type']"},
		{name: "list under a text header", in: edit(list(section("", row)), func(o *graph.InteractiveObject) {
			o.Header = &graph.InteractiveHeader{Type: "text", Text: "Slots"}
		})},
	}
}
