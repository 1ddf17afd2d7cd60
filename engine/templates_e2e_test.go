package engine_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/engine/enginetest"
	"github.com/switchboard/switchboard/fakemeta"
	"github.com/switchboard/switchboard/transport/graph"
)

type templateListView struct {
	ID, Name, Language, Status, Category string // the id a string, as API.md writes ids
}

// POST /templates/sync reads every page of Meta's list (125 templates: two pages) and
// send-template takes a synced APPROVED template with no webhook ever naming it; a second
// sync takes a template deleted on Meta away and follows a status changed there. Agents may
// list, not sync; another tenant's admin sees nothing of it. The periodic sync's round does
// the same for every connected tenant.
func TestTemplateSync(t *testing.T) {
	for _, b := range enginetest.Backends {
		t.Run(string(b), func(t *testing.T) { templateSync(t, b) })
	}
}

func templateSync(t *testing.T, b enginetest.Backend) {
	r := startWithMeta(t, b, fakemeta.DefaultConfig(), nil)
	tenantAdmin := r.Login(demoEmail, demoPassword)
	r.meta.AddDemoTemplates(wabaA) // 5, two of them APPROVED
	for i := range 120 {
		r.meta.AddTemplate(wabaA, fmt.Sprintf("aviso_%03d", i), "pt_BR", graph.TemplateApproved, graph.CategoryUtility,
			[]graph.TemplateDefinitionBlock{{Type: "BODY", Text: "Aviso importante."}})
	}
	fresh := actors.ConversationID(r.tenantA, "5511977775555")
	sendTemplate := func(name string) int {
		return r.Post("/api/v1/messages/send-template", r.agent, map[string]any{"conversationId": fresh, "templateName": name, "language": "pt_BR"}).Status
	}
	if got := sendTemplate("aviso_007"); got != 422 {
		t.Fatalf("a template never synced nor announced: %d, want 422", got)
	}
	if res := r.Post("/api/v1/templates/sync", r.agent, nil); res.Status != 403 {
		t.Fatalf("an agent syncing: %d %s", res.Status, res.Body)
	}
	res := r.Post("/api/v1/templates/sync", tenantAdmin, nil)
	var d struct{ Sync actors.TemplatesSynced }
	if res.Status != 200 {
		t.Fatalf("sync: %d %s", res.Status, res.Body)
	}
	res.Data(t, &d)
	if d.Sync != (actors.TemplatesSynced{Total: 125, Added: 125}) {
		t.Fatalf("first sync: %+v", d.Sync)
	}
	list := func(token, query string) ([]templateListView, int) {
		t.Helper()
		res := r.Get("/api/v1/templates"+query, token)
		if res.Status != 200 {
			t.Fatalf("list %s: %d %s", query, res.Status, res.Body)
		}
		var views []templateListView
		res.Data(t, &views)
		return views, res.Envelope.Pagination.Total
	}
	if views, total := list(r.agent, "?status=approved&limit=100&page=2"); total != 122 || len(views) != 22 || views[0].Name != "aviso_100" || views[0].ID == "" {
		t.Fatalf("approved, page 2: %d of %d, first %+v", len(views), total, views)
	}
	if got := sendTemplate("aviso_007"); got != 202 {
		t.Fatalf("a synced APPROVED template: %d, want 202", got)
	}

	r.meta.RemoveTemplate(wabaA, "aviso_007", "pt_BR")
	r.meta.SetTemplateStatus(wabaA, "aviso_008", "pt_BR", graph.TemplatePaused)
	res = r.Post("/api/v1/templates/sync?tenantId="+r.tenantA, r.admin, nil)
	res.Data(t, &d)
	if res.Status != 200 || d.Sync != (actors.TemplatesSynced{Total: 124, Updated: 1, Removed: 1}) {
		t.Fatalf("second sync: %d %+v", res.Status, d.Sync)
	}
	for name, want := range map[string]int{"aviso_007": 422, "aviso_008": 422, "aviso_009": 202} {
		if got := sendTemplate(name); got != want {
			t.Fatalf("%s after the second sync: %d, want %d", name, got, want)
		}
	}
	if views, _ := list(tenantAdmin, "?status=PAUSED"); len(views) != 2 || views[0].Name != "aviso_008" || views[1].Name != "weekly_deals" {
		t.Fatalf("paused: %+v", views)
	}
	if views, _ := list(tenantAdmin, "?status=in_appeal"); len(views) != 0 {
		t.Fatalf("a documented status no template has: %+v", views)
	}
	if res := r.Get("/api/v1/templates?status=aproved", tenantAdmin); res.Status != 400 || res.Code() != "validation_failed" {
		t.Fatalf("a misspelt status: %d %s", res.Status, res.Body)
	}
	tenantB := addTenantB(t, r.Node)
	if res := r.Get("/api/v1/templates?tenantId="+tenantB.ID, tenantAdmin); res.Status != 404 {
		t.Fatalf("another tenant's templates: %d %s", res.Status, res.Body)
	}
	if res := r.Get("/api/v1/templates", r.admin); res.Status != 400 {
		t.Fatalf("a platform admin naming no tenant: %d %s", res.Status, res.Body)
	}
	if res := r.Post("/api/v1/templates/sync?tenantId="+tenantB.ID, r.admin, nil); res.Status != 422 || res.Code() != "not_configured" {
		t.Fatalf("syncing a tenant with no token: %d %s", res.Status, res.Body)
	}
	// The periodic sync's round: the connected tenant is synced (a template created on Meta
	// since appears), the one with no token is skipped.
	r.meta.AddTemplate(wabaA, "novo_aviso", "pt_BR", graph.TemplateApproved, graph.CategoryUtility,
		[]graph.TemplateDefinitionBlock{{Type: "BODY", Text: "Novo aviso."}})
	if n := r.Engine.SyncAllTemplates(nil); n != 1 {
		t.Fatalf("a periodic round synced %d tenants, want 1", n)
	}
	if got := sendTemplate("novo_aviso"); got != 202 {
		t.Fatalf("a template created on Meta, after the periodic round: %d, want 202", got)
	}
	setToken(t, r.Node, r.tenantA, "EAA-revoked")
	if res := r.Post("/api/v1/templates/sync", tenantAdmin, nil); res.Status != 422 || res.Code() != "needs_reauth" {
		t.Fatalf("a token Meta refuses: %d %s", res.Status, res.Body)
	}
}

// A synced template's parameters are checked where the tenant decides a send may go: a send
// of order_shipped without its URL button's parameter is refused (422
// template_parameters_mismatch, the details naming what is missing), as is one with a
// parameter of the wrong type, a component twice, a button the template lacks or a text
// longer than Meta takes, and nothing is queued, recorded or sent; with every parameter the
// send is queued and Meta accepts it. GET /templates shows
// each template's parameters, for a client to build the send.
func TestTemplateParametersChecked(t *testing.T) {
	r := startWithMeta(t, enginetest.Embedded, fakemeta.DefaultConfig(), nil)
	r.meta.AddDemoTemplates(wabaA)
	if res := r.Post("/api/v1/templates/sync?tenantId="+r.tenantA, r.admin, nil); res.Status != 200 {
		t.Fatalf("sync: %d %s", res.Status, res.Body)
	}
	var views []struct {
		Name, Language string
		Parameters     *actors.TemplateParams
	}
	r.Get("/api/v1/templates", r.agent).Data(t, &views)
	byName := map[string]*actors.TemplateParams{}
	for _, v := range views {
		byName[v.Name+"|"+v.Language] = v.Parameters
	}
	if p := byName["order_shipped|pt_BR"]; p == nil || p.Header == nil || p.Header.Format != "TEXT" || p.Header.Count != 1 ||
		p.Body == nil || p.Body.Count != 2 || !p.AllButtons ||
		fmt.Sprint(p.Buttons) != fmt.Sprint([]actors.ButtonParams{{Index: 0, Type: "URL"}, {Index: 1, Type: "QUICK_REPLY"}}) {
		t.Fatalf("order_shipped's parameters: %+v", p)
	}
	if p := byName["black_friday_promo|pt_BR"]; p == nil || p.Header == nil || p.Header.Format != "IMAGE" || p.Body == nil ||
		fmt.Sprint(p.Body.Names) != "[first_name discount]" {
		t.Fatalf("black_friday_promo's parameters: %+v", p)
	}

	conv := actors.ConversationID(r.tenantA, "5511977776666")
	noButton := orderShipped[:2]
	res := r.Post("/api/v1/messages/send-template", r.agent, map[string]any{"conversationId": conv, "templateName": "order_shipped",
		"language": "pt_BR", "components": noButton})
	if res.Status != 422 || res.Code() != "template_parameters_mismatch" {
		t.Fatalf("without the button's parameter: %d %s", res.Status, res.Body)
	}
	if d := res.Envelope.Error.Details; len(d) != 1 || d[0].Field != "components" {
		t.Fatalf("details %+v", d)
	}
	short := []map[string]any{orderShipped[0], {"type": "body", "parameters": []map[string]any{{"type": "text", "text": "Ana"}}}, orderShipped[2]}
	res = r.Post("/api/v1/messages/send-template", r.agent, map[string]any{"conversationId": conv, "templateName": "order_shipped",
		"language": "pt_BR", "components": short})
	if d := res.Envelope.Error.Details; res.Status != 422 || len(d) != 1 || d[0].Field != "components[1].parameters" {
		t.Fatalf("a body parameter short: %d %s", res.Status, res.Body)
	}
	// What the API once queued for Meta to refuse (review A, finding 1): a parameter of the
	// wrong type, a component twice, a button the template lacks, a text too long.
	image := map[string]any{"type": "image", "image": map[string]any{"link": "https://loja.example.com/a.jpg"}}
	textOf := func(n int) map[string]any { return map[string]any{"type": "text", "text": strings.Repeat("a", n)} }
	bodyOf := func(params ...map[string]any) map[string]any {
		return map[string]any{"type": "body", "parameters": params}
	}
	loginBody, loginButton := bodyOf(textOf(6)), map[string]any{"type": "button", "sub_type": "url", "index": "0", "parameters": []map[string]any{textOf(6)}}
	for _, tc := range []struct {
		name, template string
		components     []map[string]any
		field          string
	}{
		{"an image in the TEXT header", "order_shipped", []map[string]any{{"type": "header", "parameters": []map[string]any{image}}, orderShipped[1], orderShipped[2]},
			"components[0].parameters[0].type"},
		{"an image in the body", "order_shipped", []map[string]any{orderShipped[0], bodyOf(image, textOf(1)), orderShipped[2]}, "components[1].parameters[0].type"},
		{"two bodies", "order_shipped", []map[string]any{orderShipped[0], orderShipped[1], orderShipped[1], orderShipped[2]}, "components[2].type"},
		{"a quick reply login_code lacks", "login_code", []map[string]any{loginBody, loginButton,
			{"type": "button", "sub_type": "quick_reply", "index": "1", "parameters": []map[string]any{{"type": "payload", "payload": "X"}}}}, "components[2].index"},
		{"an unknown sub_type at an index out of range", "login_code", []map[string]any{loginBody, loginButton, {"type": "button", "sub_type": "zzz", "index": "5"}},
			"components[2].index"},
		{"a quick reply without its payload", "order_shipped", append(slices.Clone(orderShipped[:3]), map[string]any{"type": "button", "sub_type": "quick_reply", "index": "1"}),
			"components[3].parameters"},
		{"a header text of 100 characters", "order_shipped", []map[string]any{{"type": "header", "parameters": []map[string]any{textOf(100)}}, orderShipped[1], orderShipped[2]},
			"components[0].parameters[0].text"},
		{"a body text of 5,000 characters", "order_shipped", []map[string]any{orderShipped[0], bodyOf(textOf(5000), textOf(1)), orderShipped[2]},
			"components[1].parameters[0].text"},
	} {
		res := r.Post("/api/v1/messages/send-template", r.agent, map[string]any{"conversationId": conv, "templateName": tc.template,
			"language": "pt_BR", "components": tc.components})
		if d := res.Envelope.Error.Details; res.Status != 422 || res.Code() != "template_parameters_mismatch" || len(d) != 1 || d[0].Field != tc.field {
			t.Fatalf("%s: %d %s, want one detail on %s", tc.name, res.Status, res.Body, tc.field)
		}
	}
	if res := r.Get("/api/v1/conversations/"+conv, r.agent); res.Status != 404 {
		t.Fatalf("a refused template started a conversation: %d %s", res.Status, res.Body)
	}
	if n := r.meta.Stats().Numbers[phoneA].Requests; n != 0 {
		t.Fatalf("Meta saw %d requests for refused sends", n)
	}

	res = r.Post("/api/v1/messages/send-template", r.agent, map[string]any{"conversationId": conv, "templateName": "order_shipped",
		"language": "pt_BR", "components": orderShipped})
	if res.Status != 202 {
		t.Fatalf("with every parameter: %d %s", res.Status, res.Body)
	}
	var d struct{ Message queuedView }
	res.Data(t, &d)
	eventually(t, 30*time.Second, func() bool { return sentTimes(r.meta, phoneA)[d.Message.ID] == 1 },
		func() string { return fmt.Sprintf("Meta saw %+v", r.meta.Stats().Numbers[phoneA]) })
	if s := r.meta.Stats().Numbers[phoneA]; s.Requests != 1 || len(s.Errors) != 0 {
		t.Fatalf("Meta saw %+v", s)
	}
}
