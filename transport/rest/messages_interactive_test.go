package rest

import (
	"strings"
	"testing"

	json "github.com/goccy/go-json"

	"github.com/switchboard/switchboard/transport/graph"
)

// send-interactive refuses what Meta would refuse after the 202 (the message failing later)
// and takes what Meta takes: a list's header is text only, its body up to 4096 characters.
func TestInteractiveDetails(t *testing.T) {
	const rows = `"action":{"button":"Ver","sections":[{"rows":[{"id":"a","title":"A"}]}]}`
	const buttons = `"action":{"buttons":[{"type":"reply","reply":{"id":"a","title":"A"}}]}`
	for _, c := range []struct {
		name, in, field string // field "" = accepted
	}{
		{"list", `{"type":"list","body":{"text":"Escolha"},` + rows + `}`, ""},
		{"list with a text header", `{"type":"list","header":{"type":"text","text":"Horários"},"body":{"text":"Escolha"},` + rows + `}`, ""},
		{"list with an image header", `{"type":"list","header":{"type":"image","image":{"link":"https://example.com/a.jpg"}},"body":{"text":"Escolha"},` + rows + `}`, "interactive.header.type"},
		{"list body of 4096 characters", `{"type":"list","body":{"text":"` + strings.Repeat("ã", 4096) + `"},` + rows + `}`, ""},
		{"buttons with an image header", `{"type":"button","header":{"type":"image","image":{"link":"https://example.com/a.jpg"}},"body":{"text":"?"},` + buttons + `}`, ""},
		{"image header by an ftp link", `{"type":"button","header":{"type":"image","image":{"link":"ftp://example.com/a.jpg"}},"body":{"text":"?"},` + buttons + `}`, "interactive.header.image.link"},
		{"image header by a name, not an id", `{"type":"button","header":{"type":"image","image":{"id":"logo"}},"body":{"text":"?"},` + buttons + `}`, "interactive.header.image.id"},
		{"image header without its image", `{"type":"button","header":{"type":"image"},"body":{"text":"?"},` + buttons + `}`, "interactive.header.image"},
		{"blank text header", `{"type":"button","header":{"type":"text","text":" "},"body":{"text":"?"},` + buttons + `}`, "interactive.header.text"},
		{"types in capitals", `{"type":"BUTTON","header":{"type":"Text","text":"Oi"},"body":{"text":"?"},"action":{"buttons":[{"type":"REPLY","reply":{"id":"a","title":"A"}}]}}`, ""},
		{"a button of another type", `{"type":"button","body":{"text":"?"},"action":{"buttons":[{"type":"postback","reply":{"id":"a","title":"A"}}]}}`, "interactive.action.buttons[0].type"},
		{"footer without text", `{"type":"button","body":{"text":"?"},"footer":{"text":""},` + buttons + `}`, "interactive.footer.text"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var in graph.InteractiveObject
			if err := json.Unmarshal([]byte(c.in), &in); err != nil {
				t.Fatal(err)
			}
			normalizeInteractive(&in)
			d := interactiveDetails(&in)
			switch {
			case c.field == "" && len(d) != 0:
				t.Fatalf("refused: %+v", d)
			case c.field != "" && (len(d) != 1 || d[0].Field != c.field):
				t.Fatalf("%+v, want one detail on %s", d, c.field)
			}
		})
	}
}

// Every problem of a message is told in one answer, one detail per member: an agent fixes
// its list in one round instead of one round per mistake (only the first was named before).
func TestInteractiveDetailsNameEveryProblem(t *testing.T) {
	const in = `{"type":"button","header":{"type":"image","image":{"link":"ftp://example.com/a.jpg"}},"footer":{"text":""},` +
		`"action":{"buttons":[{"type":"reply","reply":{"id":"a","title":"` + "Um título longo demais" + `"}},{"type":"reply","reply":{"id":"a","title":"B"}}]}}`
	var obj graph.InteractiveObject
	if err := json.Unmarshal([]byte(in), &obj); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range interactiveDetails(&obj) {
		got = append(got, d.Field+" "+d.Message)
	}
	want := []string{
		"interactive.body.text is required",
		"interactive.footer.text is required",
		"interactive.action.buttons[0].reply.title must be at most 20 characters long",
		`interactive.action.buttons[1].reply.id must be unique among buttons - got "a" twice`,
		"interactive.header.image.link must be an absolute http(s) URL Meta can fetch, at most 2048 characters",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("details:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if d := interactiveDetails(nil); len(d) != 1 || d[0].Field != "interactive" {
		t.Fatalf("no interactive object: %+v", d)
	}
}
