package graph

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits on interactive ids Meta documents beside the visible ones above.
const (
	MaxButtonID = 256
	MaxRowID    = 200
)

// Problem is one thing wrong with a request body, by the path of the offending member:
// fakemeta words the first as Meta does (error 100), the REST edge each as a validation
// detail.
type Problem struct {
	Path     []string // members and indexes, from the message's own member ("interactive")
	Required bool     // missing or empty; otherwise Rule says what it must be
	Rule     string   // "must be at most 20 characters long", …
}

// MetaPath is the path as Meta's error messages write it: interactive['action']['buttons'][0].
func (p *Problem) MetaPath() string { return p.join(func(k string) string { return "['" + k + "']" }) }

// FieldPath is the path as API field names write it: interactive.action.buttons[0].
func (p *Problem) FieldPath() string { return p.join(func(k string) string { return "." + k }) }

// join writes the path's first member as it is, indexes as [i], and other members as member
// spells them.
func (p *Problem) join(member func(string) string) string {
	var b strings.Builder
	for i, s := range p.Path {
		switch _, err := strconv.Atoi(s); {
		case i == 0:
			b.WriteString(s)
		case err == nil:
			b.WriteString("[" + s + "]")
		default:
			b.WriteString(member(s))
		}
	}
	return b.String()
}

// MaxInteractiveProblems bounds the problems InteractiveProblems reports: a body of a
// thousand rows without ids is told of its first ones, which is enough to fix them all, and
// an error answer stays small.
const MaxInteractiveProblems = 20

// interactiveCheck collects the problems of an interactive object, the first of each path
// (a member missing is not also too short), in the order the object is read.
type interactiveCheck struct {
	ps   []Problem
	seen map[string]bool
}

func (c *interactiveCheck) add(p Problem) {
	key := strings.Join(p.Path, "\x00")
	if c.seen[key] || len(c.ps) >= MaxInteractiveProblems {
		return
	}
	if c.seen == nil {
		c.seen = map[string]bool{}
	}
	c.seen[key] = true
	c.ps = append(c.ps, p)
}

// required and rule keep their own copy of path: callers build paths by appending to a
// shared prefix, whose spare capacity a later append would overwrite.
func (c *interactiveCheck) required(ok bool, path ...string) {
	if !ok {
		c.add(Problem{Path: append([]string(nil), path...), Required: true})
	}
}

func (c *interactiveCheck) rule(ok bool, rule string, path ...string) {
	if !ok {
		c.add(Problem{Path: append([]string(nil), path...), Rule: rule})
	}
}

func (c *interactiveCheck) maxLen(s string, n int, path ...string) {
	c.rule(utf8.RuneCountInString(s) <= n, fmt.Sprintf("must be at most %d characters long", n), path...)
}

func blank(s string) bool { return strings.TrimSpace(s) == "" }

// ValidateInteractive checks a reply-button or list message against Meta's rules and returns
// the first problem, or nil: Meta answers a bad body with one error, and fakemeta does too.
func ValidateInteractive(in *InteractiveObject) *Problem {
	if ps := InteractiveProblems(in); len(ps) > 0 {
		return &ps[0]
	}
	return nil
}

// InteractiveProblems checks a reply-button or list message against Meta's rules
// (WHATSAPP.md §2): a body (1024 characters, a list's 4096), a header of a type the message
// may show, a footer with text, text limits, 1–3 buttons with unique ids and titles, a list
// of 1–10 sections holding at most 10 rows with unique ids. Other interactive types are
// checked only for their body, header and footer. It returns every problem (up to
// MaxInteractiveProblems, one per member), so a client fixes its message in one round.
func InteractiveProblems(in *InteractiveObject) []Problem {
	c := &interactiveCheck{}
	if in == nil {
		c.required(false, "interactive")
		return c.ps
	}
	if in.Type == InteractiveButton || in.Type == InteractiveList {
		c.required(in.Body != nil && !blank(in.Body.Text), "interactive", "body", "text")
	}
	if in.Body != nil {
		maxBody := MaxInteractiveBody
		if in.Type == InteractiveList {
			maxBody = MaxListBody
		}
		c.maxLen(in.Body.Text, maxBody, "interactive", "body", "text")
	}
	if in.Header != nil {
		c.header(in.Type, in.Header)
	}
	if in.Footer != nil {
		c.required(!blank(in.Footer.Text), "interactive", "footer", "text")
		c.maxLen(in.Footer.Text, MaxInteractiveTexts, "interactive", "footer", "text")
	}
	switch in.Type {
	case InteractiveButton:
		c.buttons(in.Action.Buttons)
	case InteractiveList:
		c.list(in.Action)
	}
	return c.ps
}

// header checks a header's type and its content: text within MaxInteractiveTexts, or an
// image, video or document object (how that names its media — one of id and link, a link
// Meta can fetch — is the caller's: fakemeta and the REST edge word it each their way). A
// list's header is text only (Meta: "Supports text header type only"); reply buttons may
// show media.
func (c *interactiveCheck) header(kind string, h *InteractiveHeader) {
	at := []string{"interactive", "header"}
	if kind == InteractiveList {
		c.rule(h.Type == "text", fmt.Sprintf("must be text for a list message - got %q", h.Type), append(at, "type")...)
	}
	if h.Type == "text" {
		c.required(!blank(h.Text), append(at, "text")...)
		c.maxLen(h.Text, MaxInteractiveTexts, append(at, "text")...)
		return
	}
	media, ok := h.Media()
	if !ok {
		c.rule(false, fmt.Sprintf("must be one of {TEXT, IMAGE, VIDEO, DOCUMENT} - got %q", h.Type), append(at, "type")...)
		return
	}
	c.required(media != nil, append(at, h.Type)...)
}

func (c *interactiveCheck) buttons(buttons []ReplyButton) {
	at := []string{"interactive", "action", "buttons"}
	c.rule(len(buttons) > 0, "must contain at least 1 element", at...)
	c.rule(len(buttons) <= MaxReplyButtons, fmt.Sprintf("must contain at most %d elements", MaxReplyButtons), at...)
	ids, titles := map[string]bool{}, map[string]bool{}
	for i, b := range buttons {
		p := append(append([]string(nil), at...), strconv.Itoa(i))
		c.rule(b.Type == "reply", fmt.Sprintf("must be one of {REPLY} - got %q", b.Type), append(p, "type")...)
		c.required(b.Reply.ID != "", append(p, "reply", "id")...)
		c.maxLen(b.Reply.ID, MaxButtonID, append(p, "reply", "id")...)
		c.required(!blank(b.Reply.Title), append(p, "reply", "title")...)
		c.maxLen(b.Reply.Title, MaxButtonTitle, append(p, "reply", "title")...)
		c.rule(!ids[b.Reply.ID], fmt.Sprintf("must be unique among buttons - got %q twice", b.Reply.ID), append(p, "reply", "id")...)
		c.rule(!titles[b.Reply.Title], fmt.Sprintf("must be unique among buttons - got %q twice", b.Reply.Title), append(p, "reply", "title")...)
		ids[b.Reply.ID], titles[b.Reply.Title] = true, true
	}
}

func (c *interactiveCheck) list(a InteractiveAction) {
	at := []string{"interactive", "action"}
	c.required(!blank(a.Button), append(at, "button")...)
	c.maxLen(a.Button, MaxListButtonLabel, append(at, "button")...)
	sections := append(append([]string(nil), at...), "sections")
	c.rule(len(a.Sections) > 0, "must contain at least 1 element", sections...)
	c.rule(len(a.Sections) <= MaxListSections, fmt.Sprintf("must contain at most %d elements", MaxListSections), sections...)
	rows, ids := 0, map[string]bool{}
	for i, sec := range a.Sections {
		p := append(append([]string(nil), sections...), strconv.Itoa(i))
		if len(a.Sections) > 1 {
			// Blank as every other visible text: a title of spaces shows the user nothing to tell
			// the sections apart by (fakemeta refuses it too).
			c.rule(!blank(sec.Title), "is required when there is more than one section", append(p, "title")...)
		}
		c.maxLen(sec.Title, MaxRowTitle, append(p, "title")...)
		c.rule(len(sec.Rows) > 0, "must contain at least 1 element", append(p, "rows")...)
		for j, row := range sec.Rows {
			rp := append(append([]string(nil), p...), "rows", strconv.Itoa(j))
			c.required(row.ID != "", append(rp, "id")...)
			c.maxLen(row.ID, MaxRowID, append(rp, "id")...)
			c.rule(!ids[row.ID], fmt.Sprintf("must be unique among rows - got %q twice", row.ID), append(rp, "id")...)
			c.required(!blank(row.Title), append(rp, "title")...)
			c.maxLen(row.Title, MaxRowTitle, append(rp, "title")...)
			c.maxLen(row.Description, MaxRowDescription, append(rp, "description")...)
			ids[row.ID] = true
			rows++
		}
	}
	c.rule(rows <= MaxListRows, fmt.Sprintf("must contain at most %d rows in total - got %d", MaxListRows, rows), sections...)
}
