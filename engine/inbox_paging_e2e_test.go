package engine_test

import (
	"encoding/base64"
	"net/url"
	"slices"
	"testing"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/engine/enginetest"
)

// Paging back through a conversation's history while the customer keeps writing: the
// cursor a page answers (pagination.nextBefore, passed as ?before=) pins the next page to
// the messages older than the ones already shown, so a message arriving between two pages
// neither repeats one nor hides one. Page numbers alone count from the newest message and
// shift with every arrival.
func TestMessagePagesStayPutWhileMessagesArrive(t *testing.T) {
	n := enginetest.Start(t, enginetest.Options{Backend: enginetest.Embedded})
	n.Seed()
	agent := n.Login(agentEmail, agentPassword)
	conv := actors.ConversationID(demoTenantID(t, n), userWaID)
	post := func(i int) {
		t.Helper()
		if r := postWebhook(t, n, inboundText(userWaID, "wamid.page."+itoa(int64(i)), "m"+itoa(int64(i)), 1767225600+int64(i))); r.Status != 200 {
			t.Fatalf("post %d: %d %s", i, r.Status, r.Body)
		}
	}
	for i := 1; i <= 5; i++ {
		post(i)
	}
	waitProcessed(t, n, 5)
	page := func(query string) ([]string, enginetest.Response) {
		t.Helper()
		return listed(t, n, "/api/v1/messages/"+conv+query, agent, func(m messageView) string { return m.Text })
	}
	first, r := page("?limit=2")
	if !slices.Equal(first, []string{"m4", "m5"}) || r.Envelope.Pagination.NextBefore == "" {
		t.Fatalf("first page %v, pagination %s", first, r.Body)
	}
	cursor := r.Envelope.Pagination.NextBefore
	post(6)
	waitProcessed(t, n, 6)

	second, r := page("?limit=2&before=" + cursor)
	if !slices.Equal(second, []string{"m2", "m3"}) || !r.Envelope.Pagination.HasNext {
		t.Fatalf("second page after a new message: %v, want [m2 m3] (%s)", second, r.Body)
	}
	last, r := page("?limit=2&before=" + r.Envelope.Pagination.NextBefore)
	if !slices.Equal(last, []string{"m1"}) || r.Envelope.Pagination.HasNext || r.Envelope.Pagination.NextBefore != "" {
		t.Fatalf("last page: %v (%s)", last, r.Body)
	}
	// A client that numbers its pages pins them with the first page's total.
	if pinned, _ := page("?limit=2&page=2&before=5"); !slices.Equal(pinned, []string{"m2", "m3"}) {
		t.Fatalf("page 2 pinned at 5 messages: %v", pinned)
	}
	for _, q := range []string{"?before=-1", "?before=x", "?before=", "?before=99999999999999999999"} {
		if r := n.Get("/api/v1/messages/"+conv+q, agent); r.Status != 400 || r.Code() != "validation_failed" {
			t.Fatalf("%s: %d %s", q, r.Status, r.Body)
		}
	}
}

// Paging down the inbox while conversations get new messages: a conversation of a later
// page that comes to the top pushes the earlier pages down, and page 2 then repeated the
// last conversation of page 1. The cursor continues after the last conversation shown.
func TestConversationPagesStayPutWhileActivityMoves(t *testing.T) {
	n := enginetest.Start(t, enginetest.Options{Backend: enginetest.Embedded})
	n.Seed()
	agent := n.Login(agentEmail, agentPassword)
	users := []string{"5511900000001", "5511900000002", "5511900000003"}
	for i, u := range users {
		if r := postWebhook(t, n, inboundText(u, "wamid.cpage."+u, "oi", 1767225600+int64(i)*60)); r.Status != 200 {
			t.Fatal(r.Status)
		}
	}
	waitProcessed(t, n, 3)
	page := func(query string) ([]string, enginetest.Response) {
		t.Helper()
		return listed(t, n, "/api/v1/conversations"+query, agent, func(c conversationView) string { return c.Contact.WaID })
	}
	first, r := page("?limit=1")
	if !slices.Equal(first, []string{users[2]}) || r.Envelope.Pagination.NextBefore == "" {
		t.Fatalf("first page %v (%s)", first, r.Body)
	}
	cursor := r.Envelope.Pagination.NextBefore
	// The oldest conversation comes to the top.
	if r := postWebhook(t, n, inboundText(users[0], "wamid.cpage.again", "still there?", 1767225600+600)); r.Status != 200 {
		t.Fatal(r.Status)
	}
	waitProcessed(t, n, 4)

	second, r := page("?limit=1&before=" + url.QueryEscape(cursor))
	if !slices.Equal(second, []string{users[1]}) || r.Envelope.Pagination.HasNext {
		t.Fatalf("second page after activity: %v, want [%s] (%s)", second, users[1], r.Body)
	}
	for _, q := range []string{"?before=nonsense", "?before=", "?before=" + url.QueryEscape(cursor+"!"),
		"?before=" + base64.RawURLEncoding.EncodeToString([]byte("yesterday "+actors.ConversationID(demoTenantID(t, n), users[0]))),
		"?before=" + base64.RawURLEncoding.EncodeToString([]byte("2026-01-01T00:00:00Z not-an-id"))} {
		if r := n.Get("/api/v1/conversations"+q, agent); r.Status != 400 || r.Code() != "validation_failed" {
			t.Fatalf("%s: %d %s", q, r.Status, r.Body)
		}
	}
}

// listed gets a list and names each item of its page by name.
func listed[T any](t *testing.T, n *enginetest.Node, path, token string, name func(T) string) ([]string, enginetest.Response) {
	t.Helper()
	r := n.Get(path, token)
	if r.Status != 200 {
		t.Fatalf("%s: %d %s", path, r.Status, r.Body)
	}
	var items []T
	r.Data(t, &items)
	names := make([]string, len(items))
	for i, it := range items {
		names[i] = name(it)
	}
	return names, r
}
