package fakemeta

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/fixtures"
	"github.com/switchboard/switchboard/transport/graph"
)

// fixtureTemplates registers the templates the request fixtures send, all APPROVED.
func fixtureTemplates(s *Server, wabaID string) {
	s.AddTemplate(wabaID, "order_shipped", "pt_BR", graph.TemplateApproved, graph.CategoryUtility, []graph.TemplateDefinitionBlock{
		{Type: "HEADER", Format: "TEXT", Text: "Pedido {{1}} enviado"},
		{Type: "BODY", Text: "Olá {{1}}, seu pedido saiu para entrega e chega em {{2}}."},
		{Type: "BUTTONS", Buttons: []graph.TemplateButtonDefinition{{Type: "URL", Text: "Rastrear", URL: "https://loja.example.com/rastreio/{{1}}"}, {Type: "QUICK_REPLY", Text: "Falar com atendente"}}},
	})
	s.AddTemplate(wabaID, "black_friday_promo", "pt_BR", graph.TemplateApproved, graph.CategoryMarketing, []graph.TemplateDefinitionBlock{
		{Type: "HEADER", Format: "IMAGE"},
		{Type: "BODY", Text: "{{first_name}}, até {{discount}} OFF só hoje!"},
	})
	s.AddTemplate(wabaID, "login_code", "pt_BR", graph.TemplateApproved, graph.CategoryAuthentication, []graph.TemplateDefinitionBlock{
		{Type: "BODY", Text: "*{{1}}* é seu código de verificação."},
		{Type: "BUTTONS", Buttons: []graph.TemplateButtonDefinition{{Type: "URL", Text: "Copiar código", URL: "https://www.whatsapp.com/otp/code/?otp_type=COPY_CODE&code=otp{{1}}"}}},
	})
}

// loginCode fills login_code as an authentication copy-code send must (WHATSAPP.md §2):
// the code in the body and in the URL button.
func loginCode(code string) graph.TemplateObject {
	return graph.NewTemplate("login_code", "pt_BR", graph.BodyComponent(graph.TextParam(code)),
		graph.ButtonComponent("url", 0, graph.TextParam(code)))
}

// fixtureInboundWAMID is the user's message the request fixtures reply to and mark read.
const fixtureInboundWAMID = "wamid.HBgNNTExOTg3NjU0MzIxFQIAEhgUOENCN0Q2NjZENjg2NEQ5RkYzQUYA"

// Every message fixture the engine may send is accepted like Meta accepts it.
func TestFixtureRequestsAccepted(t *testing.T) {
	s := startFake(t, Config{})
	fixtureTemplates(s, wabaA)
	s.OpenWindow(pnA, userWaID)
	s.OpenWindow(pnA, "BR.48120937561230984412")
	// Receipts name a message fakemeta received: the fixtures' inbound wamid stands for one.
	inbound, _ := s.SendInbound(bg(), pnA, userWaID, "Ana", "oi") // no callback: only the wamid matters
	url := s.URL() + "/v24.0/" + pnA + "/messages"
	for _, f := range fixtures.Glob(t, "requests/*.json") {
		name := filepath.Base(f)
		if name == "register_phone.json" || name == "subscribed_apps_override.json" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			req := bytes.ReplaceAll(fixtures.Read(t, f), []byte(fixtureInboundWAMID), []byte(inbound))
			status, body := raw(t, "POST", url, tokenA, req)
			if status != 200 {
				t.Fatalf("HTTP %d: %s", status, body)
			}
		})
	}
	st := s.Stats().Numbers[pnA]
	if st.MarkedRead != 2 || st.Accepted != 13 || len(st.Errors) != 0 {
		t.Fatalf("%+v", st)
	}
}

// A mark-read or typing indicator names a message a user sent to this number (WHATSAPP.md
// §2): another number's inbound message, or a message this number sent, is a bad id at Meta
// (131009), so an engine that picks the wrong tenant's number or the reply's wamid fails
// here as it would there.
func TestReceiptNamesAnInboundMessageOfThisNumber(t *testing.T) {
	s := startFake(t, Config{IgnoreWindow: true, Statuses: StatusConfig{Disabled: true}})
	toA, _ := s.SendInbound(bg(), pnA, userWaID, "Ana", "to tenant A") // no callback: only the wamid matters
	toB, _ := s.SendInbound(bg(), pnB, "447700900999", "Bob", "to tenant B")
	c := clientFor(t, s)
	reply, err := c.SendMessage(bg(), tokenA, pnA, text(user, "hi"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		wamid  string
		typing bool
		code   int // 0: accepted
	}{
		{"read of this number's inbound message", toA, false, 0},
		{"typing on this number's inbound message", toA, true, 0},
		{"read of another number's inbound message", toB, false, 131009},
		{"typing on another number's inbound message", toB, true, 131009},
		{"read of a message this number sent", reply.Messages[0].ID, false, 131009},
		{"typing on a message this number sent", reply.Messages[0].ID, true, 131009},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := c.MarkRead(bg(), tokenA, pnA, tc.wamid, tc.typing)
			switch {
			case tc.code == 0 && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.code != 0 && (err == nil || asAPIError(t, err).Code != tc.code):
				t.Fatalf("got %v, want %d", err, tc.code)
			}
		})
	}
	if err := c.MarkRead(bg(), tokenB, pnB, toB, false); err != nil {
		t.Fatalf("tenant B reading its own message: %v", err)
	}
	if st := s.Stats().Numbers[pnA]; st.MarkedRead != 2 || st.Errors[131009] != 4 {
		t.Fatalf("%+v", st)
	}
}

func TestValidationErrors(t *testing.T) {
	s := startFake(t, Config{})
	fixtureTemplates(s, wabaA)
	url := s.URL() + "/v24.0/" + pnA + "/messages"
	long := strings.Repeat("a", 4097)
	rows := make([]string, 11)
	for i := range rows {
		rows[i] = `{"id":"r` + string(rune('a'+i)) + `","title":"Row"}`
	}
	cases := []struct {
		name, body, details string
		code                int
	}{
		{"no messaging_product", `{"to":"+5511987654321","type":"text","text":{"body":"hi"}}`, "messaging_product is required", 100},
		{"wrong product", `{"messaging_product":"sms","to":"+5511987654321","type":"text","text":{"body":"hi"}}`, "must be one of {WHATSAPP}", 100},
		{"no recipient", `{"messaging_product":"whatsapp","type":"text","text":{"body":"hi"}}`, "parameter to is required", 100},
		{"bad phone", `{"messaging_product":"whatsapp","to":"call me","type":"text","text":{"body":"hi"}}`, "Param to must be a phone number", 100},
		{"unknown type", `{"messaging_product":"whatsapp","to":"+5511987654321","type":"hologram"}`, `got "hologram"`, 100},
		{"empty text", `{"messaging_product":"whatsapp","to":"+5511987654321","type":"text","text":{"body":""}}`, "text['body'] is required", 100},
		{"no text object", `{"messaging_product":"whatsapp","to":"+5511987654321","type":"text"}`, "text['body'] is required", 100},
		{"text too long", `{"messaging_product":"whatsapp","to":"+5511987654321","type":"text","text":{"body":"` + long + `"}}`, "Param text['body'] must be at most 4096 characters long.", 100},
		{"template without name", `{"messaging_product":"whatsapp","to":"+5511987654321","type":"template","template":{"language":{"code":"pt_BR"}}}`, "template['name'] is required", 100},
		{"template without language", `{"messaging_product":"whatsapp","to":"+5511987654321","type":"template","template":{"name":"order_shipped"}}`, "template['language']['code'] is required", 100},
		{"button index not a number", `{"messaging_product":"whatsapp","to":"+5511987654321","type":"template","template":{"name":"login_code","language":{"code":"pt_BR"},"components":[{"type":"button","sub_type":"url","index":"first","parameters":[{"type":"text","text":"1"}]}]}}`, "['index'] must be a number", 100},
		{"template image by an ftp link", `{"messaging_product":"whatsapp","to":"+5511987654321","type":"template","template":{"name":"black_friday_promo","language":{"code":"pt_BR"},"components":[{"type":"header","parameters":[{"type":"image","image":{"link":"ftp://example.com/a.jpg"}}]}]}}`, "['parameters'][0]['image']['link'] must be a valid URL", 100},
		{"template image without its image", `{"messaging_product":"whatsapp","to":"+5511987654321","type":"template","template":{"name":"black_friday_promo","language":{"code":"pt_BR"},"components":[{"type":"header","parameters":[{"type":"image"}]}]}}`, "template['components'][0]['parameters'][0]['image'] is required", 100},
		{"template text with a line break", `{"messaging_product":"whatsapp","to":"+5511987654321","type":"template","template":{"name":"order_shipped","language":{"code":"pt_BR"},"components":[{"type":"body","parameters":[{"type":"text","text":"Ana"},{"type":"text","text":"2 dias\núteis"}]}]}}`, "Param text cannot have new-line/tab characters", 132018},
		{"template text with five spaces in a row", `{"messaging_product":"whatsapp","to":"+5511987654321","type":"template","template":{"name":"order_shipped","language":{"code":"pt_BR"},"components":[{"type":"body","parameters":[{"type":"text","text":"Ana     Silva"},{"type":"text","text":"2 dias"}]}]}}`, "more than 4 consecutive spaces", 132018},
		{"media without id or link", `{"messaging_product":"whatsapp","to":"+5511987654321","type":"image","image":{"caption":"x"}}`, "image must contain either id or link", 100},
		{"image link without a host", `{"messaging_product":"whatsapp","to":"+5511987654321","type":"image","image":{"link":"https://"}}`, "image['link'] must be a valid URL", 100},
		{"audio caption", `{"messaging_product":"whatsapp","to":"+5511987654321","type":"audio","audio":{"id":"1","caption":"x"}}`, "not allowed", 100},
		{"four buttons", interactiveButtons(`"a","b","c","d"`), "must contain at most 3 elements", 100},
		{"long button title", interactiveButtons(`"123456789012345678901"`), "['reply']['title'] must be at most 20 characters long", 100},
		{"duplicate button ids", `{"messaging_product":"whatsapp","to":"+5511987654321","type":"interactive","interactive":{"type":"button","body":{"text":"?"},"action":{"buttons":[{"type":"reply","reply":{"id":"x","title":"A"}},{"type":"reply","reply":{"id":"x","title":"B"}}]}}}`, "must be unique", 100},
		{"interactive without body", `{"messaging_product":"whatsapp","to":"+5511987654321","type":"interactive","interactive":{"type":"button","action":{"buttons":[{"type":"reply","reply":{"id":"x","title":"A"}}]}}}`, "interactive['body']['text'] is required", 100},
		{"eleven rows", `{"messaging_product":"whatsapp","to":"+5511987654321","type":"interactive","interactive":{"type":"list","body":{"text":"?"},"action":{"button":"Pick","sections":[{"title":"S","rows":[` + strings.Join(rows, ",") + `]}]}}}`, "at most 10 rows", 100},
		{"long row title", `{"messaging_product":"whatsapp","to":"+5511987654321","type":"interactive","interactive":{"type":"list","body":{"text":"?"},"action":{"button":"Pick","sections":[{"rows":[{"id":"a","title":"1234567890123456789012345"}]}]}}}`, "['title'] must be at most 24 characters long", 100},
		{"list without button", `{"messaging_product":"whatsapp","to":"+5511987654321","type":"interactive","interactive":{"type":"list","body":{"text":"?"},"action":{"sections":[{"rows":[{"id":"a","title":"A"}]}]}}}`, "['button'] is required", 100},
		{"list with an image header", `{"messaging_product":"whatsapp","to":"+5511987654321","type":"interactive","interactive":{"type":"list","header":{"type":"image","image":{"id":"1"}},"body":{"text":"?"},"action":{"button":"Pick","sections":[{"rows":[{"id":"a","title":"A"}]}]}}}`, "interactive['header']['type'] must be text for a list message", 100},
		{"header image by a link that is no URL", `{"messaging_product":"whatsapp","to":"+5511987654321","type":"interactive","interactive":{"type":"button","header":{"type":"image","image":{"link":"https://"}},"body":{"text":"?"},"action":{"buttons":[{"type":"reply","reply":{"id":"x","title":"A"}}]}}}`, "interactive['header']['image']['link'] must be a valid URL", 100},
		{"header image by id and link", `{"messaging_product":"whatsapp","to":"+5511987654321","type":"interactive","interactive":{"type":"button","header":{"type":"image","image":{"id":"1","link":"https://example.com/a.jpg"}},"body":{"text":"?"},"action":{"buttons":[{"type":"reply","reply":{"id":"x","title":"A"}}]}}}`, "interactive['header']['image'] must contain only one of id or link", 100},
		{"footer without text", `{"messaging_product":"whatsapp","to":"+5511987654321","type":"interactive","interactive":{"type":"button","body":{"text":"?"},"footer":{"text":""},"action":{"buttons":[{"type":"reply","reply":{"id":"x","title":"A"}}]}}}`, "interactive['footer']['text'] is required", 100},
		{"unknown interactive type", `{"messaging_product":"whatsapp","to":"+5511987654321","type":"interactive","interactive":{"type":"carousel3d","body":{"text":"?"},"action":{}}}`, `got "carousel3d"`, 100},
		{"cta_url without body", `{"messaging_product":"whatsapp","to":"+5511987654321","type":"interactive","interactive":{"type":"cta_url","action":{"name":"cta_url","parameters":{"display_text":"Ver","url":"https://example.com"}}}}`, "interactive['body']['text'] is required", 100},
		{"cta_url without its url", `{"messaging_product":"whatsapp","to":"+5511987654321","type":"interactive","interactive":{"type":"cta_url","body":{"text":"?"},"action":{"name":"cta_url","parameters":{"display_text":"Ver"}}}}`, "interactive['action']['parameters']['url'] is required", 100},
		{"flow without its action name", `{"messaging_product":"whatsapp","to":"+5511987654321","type":"interactive","interactive":{"type":"flow","body":{"text":"?"},"action":{"parameters":{"flow_message_version":"3","flow_id":"1","flow_cta":"Go"}}}}`, "interactive['action']['name'] is required", 100},
		{"location request named otherwise", `{"messaging_product":"whatsapp","to":"+5511987654321","type":"interactive","interactive":{"type":"location_request_message","body":{"text":"?"},"action":{"name":"send_address"}}}`, `Param interactive['action']['name'] must be send_location - got "send_address".`, 100},
		{"reaction without message", `{"messaging_product":"whatsapp","to":"+5511987654321","type":"reaction","reaction":{"emoji":"👍"}}`, "reaction['message_id'] is required", 100},
		{"empty context", `{"messaging_product":"whatsapp","to":"+5511987654321","context":{},"type":"text","text":{"body":"hi"}}`, "context['message_id'] is required", 100},
		{"callback data too long", `{"messaging_product":"whatsapp","to":"+5511987654321","type":"text","text":{"body":"hi"},"biz_opaque_callback_data":"` + strings.Repeat("x", 513) + `"}`, "biz_opaque_callback_data must be at most 512", 100},
		{"recipient that is no BSUID", `{"messaging_product":"whatsapp","recipient":"+5511987654321","type":"text","text":{"body":"hi"}}`, "Param recipient must be a business-scoped user ID", 100},
		{"location without its object", `{"messaging_product":"whatsapp","to":"+5511987654321","type":"location"}`, "The parameter location is required.", 100},
		{"location without longitude", `{"messaging_product":"whatsapp","to":"+5511987654321","type":"location","location":{"latitude":-23.56}}`, "location['longitude'] is required", 100},
		{"location latitude out of range", `{"messaging_product":"whatsapp","to":"+5511987654321","type":"location","location":{"latitude":123,"longitude":-46.6}}`, "location['latitude'] must be between -90 and 90", 100},
		{"contacts without contacts", `{"messaging_product":"whatsapp","to":"+5511987654321","type":"contacts"}`, "The parameter contacts is required.", 100},
		{"contact without formatted name", `{"messaging_product":"whatsapp","to":"+5511987654321","type":"contacts","contacts":[{"name":{"first_name":"Ana"}}]}`, "contacts[0]['name']['formatted_name'] is required", 100},
		{"not JSON", `{"messaging_product":`, "not valid JSON", 100},
		{"mark read of a non-wamid", `{"messaging_product":"whatsapp","status":"read","message_id":"12345"}`, "Invalid message_id", 131009},
		{"mark read of a wamid never issued", `{"messaging_product":"whatsapp","status":"read","message_id":"wamid.not-a-message-anyone-sent"}`, "no such message", 131009},
		{"mark read of another Meta's wamid", `{"messaging_product":"whatsapp","status":"read","message_id":"` + fixtureInboundWAMID + `"}`, "no such message", 131009},
		{"status other than read", `{"messaging_product":"whatsapp","status":"delivered","message_id":"wamid.x"}`, "must be one of {READ}", 100},
		{"typing of another kind", `{"messaging_product":"whatsapp","status":"read","message_id":"wamid.x","typing_indicator":{"type":"audio"}}`, "typing_indicator['type']", 100},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body := raw(t, "POST", url, tokenA, []byte(c.body))
			e := apiErr(t, status, body)
			if status != 400 || e.Code != c.code || !strings.Contains(e.Details, c.details) {
				t.Fatalf("HTTP %d code %d details %q; want 400, %d, %q", status, e.Code, e.Details, c.code, c.details)
			}
			if !strings.HasPrefix(e.Message, "(#") || e.Type != "OAuthException" || e.FBTraceID == "" {
				t.Fatalf("not Meta's envelope: %+v", e)
			}
		})
	}
	if st := s.Stats().Numbers[pnA]; st.Accepted != 0 || st.Errors[100] != int64(len(cases)-5) || st.Errors[131009] != 3 || st.Errors[132018] != 2 {
		t.Fatalf("%+v", st)
	}
}

// Location and contact cards, and interactive kinds the engine does not send, with what
// Meta requires are accepted, a BSUID recipient too.
func TestLocationContactsAndBSUIDAccepted(t *testing.T) {
	s := startFake(t, Config{IgnoreWindow: true})
	url := s.URL() + "/v24.0/" + pnA + "/messages"
	for _, body := range []string{
		`{"messaging_product":"whatsapp","to":"+5511987654321","type":"location","location":{"latitude":-23.561684,"longitude":-46.655981,"name":"Av. Paulista 1578"}}`,
		`{"messaging_product":"whatsapp","to":"+5511987654321","type":"location","location":{"latitude":0,"longitude":0}}`,
		`{"messaging_product":"whatsapp","to":"+5511987654321","type":"contacts","contacts":[{"name":{"formatted_name":"Ana Souza","first_name":"Ana"},"phones":[{"phone":"+5511987654321","type":"CELL"}]}]}`,
		`{"messaging_product":"whatsapp","recipient":"US.13491208655302741918","type":"text","text":{"body":"hi"}}`,
		`{"messaging_product":"whatsapp","to":"+5511987654321","type":"interactive","interactive":{"type":"cta_url","body":{"text":"Veja"},"action":{"name":"cta_url","parameters":{"display_text":"Ver","url":"https://example.com"}}}}`,
		`{"messaging_product":"whatsapp","to":"+5511987654321","type":"interactive","interactive":{"type":"location_request_message","body":{"text":"Onde?"},"action":{"name":"send_location"}}}`,
		`{"messaging_product":"whatsapp","to":"+5511987654321","type":"interactive","interactive":{"type":"product","action":{"catalog_id":"1","product_retailer_id":"sku"}}}`,
	} {
		if status, resp := raw(t, "POST", url, tokenA, []byte(body)); status != 200 {
			t.Errorf("%s: HTTP %d %s", body, status, resp)
		}
	}
}

// A send to the business number itself is refused with 131021, however to is written.
func TestRecipientCannotBeSender(t *testing.T) {
	s := startFake(t, Config{IgnoreWindow: true})
	c := clientFor(t, s)
	for _, to := range []string{"+" + displayA, "+1 555-012-3456", "5550123456"} {
		_, err := c.SendMessage(bg(), tokenA, pnA, text(to, "hi"))
		if e := asAPIError(t, err); e.Code != 131021 || e.HTTPStatus != 400 || e.Details != "Sender and recipient phone number is the same." {
			t.Fatalf("to %s: %+v", to, e)
		}
	}
	if st := s.Stats().Numbers[pnA]; st.Accepted != 0 || st.Errors[131021] != 3 {
		t.Fatalf("%+v", st)
	}
	if code := sendTo(t, c, "+"+displayB); code != 0 {
		t.Fatalf("to another business's number: %d", code)
	}
}

func interactiveButtons(titles string) string {
	var b strings.Builder
	for i, title := range strings.Split(titles, ",") {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"type":"reply","reply":{"id":"b` + string(rune('0'+i)) + `","title":` + title + `}}`)
	}
	return `{"messaging_product":"whatsapp","to":"+5511987654321","type":"interactive","interactive":{"type":"button","body":{"text":"?"},"action":{"buttons":[` + b.String() + `]}}}`
}

func TestTokensAndNumbers(t *testing.T) {
	s := startFake(t, Config{IgnoreWindow: true})
	c := clientFor(t, s)
	send := func(token, pn string) error {
		_, err := c.SendMessage(bg(), token, pn, text(user, "hi"))
		return err
	}

	e := asAPIError(t, send("EAA-never-issued", pnA))
	if e.Code != 190 || e.HTTPStatus != 401 || e.Class() != graph.Reauth {
		t.Fatalf("unknown token: %+v", e)
	}
	e = asAPIError(t, send(tokenB, pnA))
	if e.Code != 100 || e.Subcode != 33 || e.Class() != graph.Fail {
		t.Fatalf("other tenant's token: %+v", e)
	}
	e = asAPIError(t, send(tokenA, "999999999999999"))
	if e.Code != 100 || e.Subcode != 33 {
		t.Fatalf("unknown number: %+v", e)
	}
	e = asAPIError(t, send("", pnA))
	if e.Code != 104 {
		t.Fatalf("no token: %+v", e)
	}

	s.ExpireToken(tokenB)
	e = asAPIError(t, send(tokenB, pnB))
	if e.Code != 190 || e.Subcode != 463 || e.HTTPStatus != 401 {
		t.Fatalf("expired: %+v", e)
	}

	s.Deregister(pnA)
	e = asAPIError(t, send(tokenA, pnA))
	if e.Code != 133010 {
		t.Fatalf("unregistered: %+v", e)
	}
	if err := c.RegisterPhone(bg(), tokenA, pnA, "581063"); err != nil {
		t.Fatal(err)
	}
	if err := send(tokenA, pnA); err != nil {
		t.Fatal(err)
	}
	if err := c.RegisterPhone(bg(), tokenA, pnA, "000000"); asAPIError(t, err).Code != 133005 {
		t.Fatalf("PIN mismatch: %v", err)
	}

	// The sent log says which token each accepted send used.
	sent := s.Sent(pnA)
	if len(sent) != 1 || sent[0].Token != tokenA || sent[0].WaID != userWaID || sent[0].Recipient != user {
		t.Fatalf("%+v", sent)
	}
	st := s.Stats().Numbers[pnA]
	if st.Requests != 5 || st.Accepted != 1 || st.Errors[190] != 1 || st.Errors[100] != 1 || st.Errors[133010] != 1 {
		t.Fatalf("%+v", st)
	}
}

func TestTemplateChecks(t *testing.T) {
	s := startFake(t, Config{})
	fixtureTemplates(s, wabaA)
	s.AddTemplate(wabaA, "weekly_deals", "pt_BR", graph.TemplatePaused, graph.CategoryMarketing, nil)
	s.AddTemplate(wabaA, "gone", "pt_BR", graph.TemplateDisabled, graph.CategoryMarketing, nil)
	s.AddTemplate(wabaA, "order_shipped", "en_US", graph.TemplatePending, graph.CategoryUtility, nil)
	c := clientFor(t, s)
	tpl := func(name, lang string, comps ...graph.TemplateComponent) error {
		_, err := c.SendMessage(bg(), tokenA, pnA, graph.NewMessage(user).WithTemplate(graph.NewTemplate(name, lang, comps...)))
		return err
	}
	header := graph.HeaderComponent(graph.TextParam("#1"))
	trackButton := graph.ButtonComponent("url", 0, graph.TextParam("8812"))
	named := func(names ...string) graph.TemplateComponent {
		var params []graph.TemplateParameter
		for _, n := range names {
			params = append(params, graph.NamedTextParam(n, "x"))
		}
		return graph.BodyComponent(params...)
	}
	image := graph.HeaderComponent(graph.TemplateParameter{Type: "image", Image: &graph.MediaObject{ID: "1"}})
	cases := []struct {
		name string
		err  error
		code int
	}{
		{"unknown", tpl("no_such_template", "pt_BR"), 132001},
		{"other language pending", tpl("order_shipped", "en_US"), 132001},
		{"other WABA's template", func() error {
			_, err := c.SendMessage(bg(), tokenB, pnB, graph.NewMessage(user).WithTemplate(loginCode("1")))
			return err
		}(), 132001},
		{"paused", tpl("weekly_deals", "pt_BR"), 132015},
		{"disabled", tpl("gone", "pt_BR"), 132016},
		{"too few body params", tpl("order_shipped", "pt_BR", header, graph.BodyComponent(graph.TextParam("Ana")), trackButton), 132000},
		{"NAMED: names not the template's", tpl("black_friday_promo", "pt_BR", image, named("nome", "desconto")), 132000},
		{"NAMED: one name wrong", tpl("black_friday_promo", "pt_BR", image, named("first_name", "desconto")), 132000},
		{"NAMED: names missing", tpl("black_friday_promo", "pt_BR", image, graph.BodyComponent(graph.TextParam("Ana"), graph.TextParam("40%"))), 132000},
		{"media header sent as text", tpl("black_friday_promo", "pt_BR", graph.HeaderComponent(graph.TextParam("x")),
			graph.BodyComponent(graph.NamedTextParam("first_name", "Ana"), graph.NamedTextParam("discount", "40%"))), 132012},
		{"header parameters for a template without a header", tpl("login_code", "pt_BR", header, graph.BodyComponent(graph.TextParam("482913")),
			graph.ButtonComponent("url", 0, graph.TextParam("482913"))), 132000},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := asAPIError(t, tc.err)
			if e.Code != tc.code || e.Class() != graph.FailTemplate {
				t.Fatalf("%+v", e)
			}
		})
	}
	for _, want := range []struct {
		i       int
		details string
	}{
		{0, "template name (no_such_template) does not exist in pt_BR"},
		{6, `body: parameter names ("nome", "desconto") are not in the template, which expects ("first_name", "discount")`},
		{8, `body: parameter names ("", "") are not in the template, which expects ("first_name", "discount")`},
		{10, "header: number of localizable_params (1) does not match the expected number of params (0)"},
	} {
		if e := asAPIError(t, cases[want.i].err); e.Details != want.details {
			t.Errorf("%s: details %q, want %q", cases[want.i].name, e.Details, want.details)
		}
	}
	if e := asAPIError(t, cases[0].err); e.HTTPStatus != 404 {
		t.Fatalf("%+v", e)
	}
	if _, err := c.SendMessage(bg(), tokenA, pnA, graph.NewMessage(user).WithTemplate(loginCode("482913"))); err != nil {
		t.Fatalf("login_code with its copy-code button: %v", err)
	}
	if _, err := c.SendMessage(bg(), tokenA, pnA, graph.NewMessage(user).WithTemplate(graph.NewTemplate("black_friday_promo", "pt_BR", image, named("discount", "first_name")))); err != nil {
		t.Fatalf("NAMED template with its names in another order: %v", err)
	}
	r, err := c.SendMessage(bg(), tokenA, pnA, graph.NewMessage(user).WithTemplate(graph.NewTemplate("order_shipped", "pt_BR",
		header, graph.BodyComponent(graph.TextParam("Ana"), graph.TextParam("2 dias")), trackButton)))
	if err != nil || r.Messages[0].MessageStatus != graph.MessageStatusAccepted || r.Contacts[0].WaID != userWaID {
		t.Fatalf("%+v %v", r, err)
	}
}

// Every button component is checked against the template's button at its index, and
// every parameter against its block, as Meta checks them (review C #2): a button the
// template does not have there or of another type, a button's missing or mistyped
// parameter, a media value where the block holds text, and a text parameter past Meta's
// limits (a header of 60 characters, a body of 1,024).
func TestTemplateButtonsAndTexts(t *testing.T) {
	s := startFake(t, Config{IgnoreWindow: true, Statuses: StatusConfig{Disabled: true}})
	fixtureTemplates(s, wabaA)
	// An authentication template as Meta lists it at creation, and a marketing one with a
	// coupon code, a phone number and a static URL button.
	s.AddTemplate(wabaA, "otp_code", "en_US", graph.TemplateApproved, graph.CategoryAuthentication, []graph.TemplateDefinitionBlock{
		{Type: "BODY", Text: "*{{1}}* is your verification code."},
		{Type: "BUTTONS", Buttons: []graph.TemplateButtonDefinition{{Type: "OTP", OTPType: "COPY_CODE", Text: "Copy code"}}},
	})
	s.AddTemplate(wabaA, "coupon", "en_US", graph.TemplateApproved, graph.CategoryMarketing, []graph.TemplateDefinitionBlock{
		{Type: "BODY", Text: "Your code: {{1}}"},
		{Type: "BUTTONS", Buttons: []graph.TemplateButtonDefinition{{Type: "COPY_CODE", Text: "Copy offer code"},
			{Type: "PHONE_NUMBER", Text: "Call us", PhoneNumber: "+15550123456"}, {Type: "URL", Text: "Shop", URL: "https://example.com/shop"}}},
	})
	s.AddTemplate(wabaA, "note", "en_US", graph.TemplateApproved, graph.CategoryUtility, []graph.TemplateDefinitionBlock{
		{Type: "BODY", Text: "Note: {{1}}"},
	})
	c := clientFor(t, s)
	send := func(name, lang string, comps ...graph.TemplateComponent) error {
		_, err := c.SendMessage(bg(), tokenA, pnA, graph.NewMessage(user).WithTemplate(graph.NewTemplate(name, lang, comps...)))
		return err
	}
	header := graph.HeaderComponent(graph.TextParam("#8812"))
	body := graph.BodyComponent(graph.TextParam("Ana"), graph.TextParam("2 dias"))
	track := graph.ButtonComponent("url", 0, graph.TextParam("8812"))
	shipped := func(extra ...graph.TemplateComponent) error {
		return send("order_shipped", "pt_BR", append([]graph.TemplateComponent{header, body, track}, extra...)...)
	}
	image := graph.TemplateParameter{Type: "image", Image: &graph.MediaObject{ID: "1"}}
	coupon := func(code string) graph.TemplateComponent {
		return graph.ButtonComponent("copy_code", 0, graph.TemplateParameter{Type: "coupon_code", CouponCode: code})
	}
	couponBody := graph.BodyComponent(graph.TextParam("BF40"))
	cases := []struct {
		name    string
		err     error
		code    int
		details string
	}{
		{"a button index the template does not have", shipped(graph.ButtonComponent("quick_reply", 7, graph.PayloadParam("X"))),
			131009, "buttons: Button at index 7 of type QuickReply does not exist"},
		{"a URL component for a quick reply", shipped(graph.ButtonComponent("url", 1, graph.TextParam("8812"))),
			131009, "buttons: Button at index 1 of type Url does not exist"},
		{"a quick reply component for a URL button", send("order_shipped", "pt_BR", header, body, graph.ButtonComponent("quick_reply", 0, graph.PayloadParam("X"))),
			131009, "buttons: Button at index 0 of type QuickReply does not exist"},
		{"a quick reply without its payload", shipped(graph.ButtonComponent("quick_reply", 1)),
			131008, "buttons: Button at index 1 of type QuickReply requires a parameter"},
		{"a quick reply with an empty payload", shipped(graph.ButtonComponent("quick_reply", 1, graph.TemplateParameter{Type: "payload"})),
			131008, "buttons: Button at index 1 of type QuickReply requires a parameter"},
		{"a quick reply with a text", shipped(graph.ButtonComponent("quick_reply", 1, graph.TextParam("X"))),
			132012, "button at index 1: Format mismatch, expected PAYLOAD, received TEXT"},
		{"a dynamic URL button left out", send("order_shipped", "pt_BR", header, body),
			131008, "buttons: Button at index 0 of type Url requires a parameter"},
		{"a URL button without its text", send("order_shipped", "pt_BR", header, body, graph.ButtonComponent("url", 0)),
			131008, "buttons: Button at index 0 of type Url requires a parameter"},
		{"a URL button with two texts", send("order_shipped", "pt_BR", header, body, graph.ButtonComponent("url", 0, graph.TextParam("1"), graph.TextParam("2"))),
			132000, "button at index 0: number of localizable_params (2) does not match the expected number of params (1)"},
		{"a URL button with a payload", send("order_shipped", "pt_BR", header, body, graph.ButtonComponent("url", 0, graph.PayloadParam("X"))),
			132012, "button at index 0: Format mismatch, expected TEXT, received PAYLOAD"},
		{"an OTP button left out", send("otp_code", "en_US", graph.BodyComponent(graph.TextParam("482913"))),
			131008, "buttons: Button at index 0 of type Url requires a parameter"},
		{"an OTP button sent as copy code", send("otp_code", "en_US", graph.BodyComponent(graph.TextParam("482913")), coupon("482913")),
			131009, "buttons: Button at index 0 of type CopyCode does not exist"},
		{"a copy code button left out", send("coupon", "en_US", couponBody),
			131008, "buttons: Button at index 0 of type CopyCode requires a parameter"},
		{"a copy code button without its code", send("coupon", "en_US", couponBody, coupon("")),
			131008, "buttons: Button at index 0 of type CopyCode requires a parameter"},
		{"parameters for a phone number button", send("coupon", "en_US", couponBody, coupon("BF40"), graph.ButtonComponent("url", 1, graph.TextParam("x"))),
			100, "buttons: Button at index 1 is of type Call and does not support parameters"},
		{"parameters for a static URL button", send("coupon", "en_US", couponBody, coupon("BF40"), graph.ButtonComponent("url", 2, graph.TextParam("x"))),
			100, "buttons: Button at index 2 is of type Url and does not support parameters"},
		{"a sub_type Meta does not know", send("coupon", "en_US", couponBody, coupon("BF40"), graph.ButtonComponent("phone_number", 1, graph.TextParam("x"))),
			100, `must be one of {BOOKING_CONFIRMATION, CATALOG, COPY_CODE, FLOW, MPM, ORDER_DETAILS, QUICK_REPLY, REMINDER, URL, VOICE_CALL} - got "phone_number"`},
		{"an image in a text body", send("order_shipped", "pt_BR", header, graph.BodyComponent(image, image), track),
			132012, "body: Format mismatch, expected TEXT, received IMAGE"},
		{"an image in a text header", send("order_shipped", "pt_BR", graph.HeaderComponent(image), body, track),
			132012, "header: Format mismatch, expected TEXT, received IMAGE"},
		{"a body parameter past 1,024 characters beside other components", send("order_shipped", "pt_BR", header, graph.BodyComponent(graph.TextParam(strings.Repeat("a", 1025)), graph.TextParam("2 dias")), track),
			132005, "body: parameter 1 is 1025 characters long, more than the 1024 allowed"},
		{"a header parameter past 60 characters", send("order_shipped", "pt_BR", graph.HeaderComponent(graph.TextParam(strings.Repeat("#", 61))), body, track),
			132005, "header: parameter 1 is 61 characters long, more than the 60 allowed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.err == nil {
				t.Fatalf("accepted; want %d %q", tc.code, tc.details)
			}
			if e := asAPIError(t, tc.err); e.Code != tc.code || !strings.Contains(e.Details, tc.details) || e.HTTPStatus != 400 {
				t.Fatalf("HTTP %d code %d details %q; want %d %q", e.HTTPStatus, e.Code, e.Details, tc.code, tc.details)
			}
		})
	}
	// What Meta takes: each button as the template has it, a quick reply left out or sent
	// with its payload, a header parameter of exactly 60 characters, a body-only send's
	// parameter past 1,024 (Meta's limit there is 32,768), a currency and a date_time where
	// text goes, the OTP code in a URL button, a coupon code.
	for name, err := range map[string]error{
		"order_shipped as the fixture sends it":        shipped(graph.ButtonComponent("quick_reply", 1, graph.PayloadParam("HUMAN_HANDOFF"))),
		"order_shipped without its quick reply":        shipped(),
		"a header parameter of 60 characters":          send("order_shipped", "pt_BR", graph.HeaderComponent(graph.TextParam(strings.Repeat("#", 60))), body, track),
		"a body-only send's 2,000-character parameter": send("note", "en_US", graph.BodyComponent(graph.TextParam(strings.Repeat("7", 2000)))),
		"currency and date_time in the body": send("order_shipped", "pt_BR", header,
			graph.BodyComponent(graph.CurrencyParam("R$ 10,00", "BRL", 10000), graph.DateTimeParam("amanhã")), track),
		"the OTP code in a URL button": send("otp_code", "en_US", graph.BodyComponent(graph.TextParam("482913")), graph.ButtonComponent("url", 0, graph.TextParam("482913"))),
		"a coupon code":                send("coupon", "en_US", couponBody, coupon("BF40")),
	} {
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// 130429 comes in the fixture's shape: HTTP 400, Meta's message, details and trace id.
func TestThroughputErrorShape(t *testing.T) {
	s := startFake(t, Config{Throughput: 1, IgnoreWindow: true})
	url := s.URL() + "/v23.0/" + pnA + "/messages"
	body := mustJSON(t, text(user, "hi"))
	if status, b := raw(t, "POST", url, tokenA, body); status != 200 {
		t.Fatalf("%d %s", status, b)
	}
	status, b := raw(t, "POST", url, tokenA, body)
	got := apiErr(t, status, b)
	want := graph.ParseAPIError(400, fixtures.Read(t, "graph/error_130429_throughput.json"))
	if status != 400 || got.Code != want.Code || got.Message != want.Message || got.Details != want.Details || got.Type != want.Type {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
}

func TestInjectedFaults(t *testing.T) {
	sk := startSink(t)
	s := startFake(t, Config{CallbackURL: sk.url, IgnoreWindow: true})
	c := clientFor(t, s)

	s.FailNext(pnA, 131048, 2)
	for range 2 {
		_, err := c.SendMessage(bg(), tokenA, pnA, text(user, "hi"))
		if e := asAPIError(t, err); e.Code != 131048 || e.Class() != graph.PauseTenant {
			t.Fatalf("%+v", e)
		}
	}
	s.FailNextAsync(pnA, 131026, 1)
	r, err := c.SendMessage(bg(), tokenA, pnA, text(user, "hi"))
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "failed status", func() bool { return len(sk.statusesOf(r.WAMID())) == 1 })
	if st := sk.statusesOf(r.WAMID()); st[0] != graph.StatusFailed {
		t.Fatalf("%v", st)
	}

	s.DropNextResponses(pnA, 1)
	_, err = c.SendMessage(bg(), tokenA, pnA, text(user, "lost answer"))
	if !errors.Is(err, graph.ErrTransport) || !graph.IsMaybeSent(err) {
		t.Fatalf("dropped answer must be a maybe-sent transport error: %v", err)
	}
	sent := s.Sent(pnA)
	if len(sent) != 2 || sent[1].Request.Text.Body != "lost answer" {
		t.Fatalf("the dropped send was accepted all the same: %+v", sent)
	}
	if _, err := c.SendMessage(bg(), tokenA, pnA, text(user, "next")); err != nil {
		t.Fatal(err)
	}
	st := s.Stats().Numbers[pnA]
	if st.Errors[131048] != 2 || st.AsyncFailures[131026] != 1 || st.Accepted != 3 {
		t.Fatalf("%+v", st)
	}
}

func TestErrorRate(t *testing.T) {
	s := startFake(t, Config{IgnoreWindow: true, ErrorRate: 1, ErrorCodes: []int{131016}})
	_, err := clientFor(t, s).SendMessage(bg(), tokenA, pnA, text(user, "hi"))
	if e := asAPIError(t, err); e.Code != 131016 || e.HTTPStatus != 500 || e.Class() != graph.RetryTransient {
		t.Fatalf("%+v", e)
	}
}

// Injected errors come with the HTTP status of WHATSAPP.md §2.2's table.
func TestErrorHTTPStatuses(t *testing.T) {
	s := startFake(t, Config{IgnoreWindow: true})
	url := s.URL() + "/v24.0/" + pnA + "/messages"
	for _, c := range []struct{ code, status int }{
		{131016, 500}, {131057, 500}, {131000, 500},
		{131031, 403}, {368, 403}, {200, 403},
		{132001, 404},
		{2, 503},
		{130429, 400}, {131047, 400},
	} {
		s.FailNext(pnA, c.code, 1)
		status, b := raw(t, "POST", url, tokenA, mustJSON(t, text(user, "hi")))
		if e := apiErr(t, status, b); e.Code != c.code || status != c.status {
			t.Errorf("%d: HTTP %d, want %d: %s", c.code, status, c.status, b)
		}
	}
}

func TestAnyVersion(t *testing.T) {
	s := startFake(t, Config{IgnoreWindow: true})
	for _, v := range []string{"v17.0", "v24.0", "v26.0"} {
		if status, b := raw(t, "POST", s.URL()+"/"+v+"/"+pnA+"/messages", tokenA, mustJSON(t, text(user, "hi"))); status != 200 {
			t.Fatalf("%s: %d %s", v, status, b)
		}
	}
	status, b := raw(t, "POST", s.URL()+"/latest/"+pnA+"/messages", tokenA, mustJSON(t, text(user, "hi")))
	if e := apiErr(t, status, b); e.Code != 2500 {
		t.Fatalf("%+v", e)
	}
}

// The demo templates answer the fixture sends as the fixtures' statuses say.
func TestDemoTemplates(t *testing.T) {
	s := startFake(t, Config{})
	s.AddDemoTemplates(wabaA)
	url := s.URL() + "/v24.0/" + pnA + "/messages"
	for file, code := range map[string]int{
		"send_template_positional.json":         0,
		"send_template_auth_otp.json":           0,
		"send_template_named_image_header.json": 132001, // REJECTED
	} {
		status, body := raw(t, "POST", url, tokenA, fixtures.Read(t, "requests/"+file))
		if code == 0 && status != 200 {
			t.Fatalf("%s: %d %s", file, status, body)
		}
		if code != 0 && apiErr(t, status, body).Code != code {
			t.Fatalf("%s: %s", file, body)
		}
	}
}

// The sent log keeps the newest MaxSentLog sends of a number, oldest first, however many
// came before.
func TestSentLogKeepsTheNewest(t *testing.T) {
	s := startFake(t, Config{MaxSentLog: 3, IgnoreWindow: true})
	url := s.URL() + "/v24.0/" + pnA + "/messages"
	for i := range 10 {
		body := `{"messaging_product":"whatsapp","to":"` + user + `","type":"text","text":{"body":"m` + string(rune('0'+i)) + `"}}`
		if status, resp := raw(t, "POST", url, tokenA, []byte(body)); status != 200 {
			t.Fatalf("send %d: HTTP %d: %s", i, status, resp)
		}
		if got := len(s.Sent(pnA)); got != min(i+1, 3) {
			t.Fatalf("after %d sends the log holds %d", i+1, got)
		}
	}
	var bodies []string
	for _, m := range s.Sent(pnA) {
		bodies = append(bodies, string(m.Body))
	}
	if len(bodies) != 3 || !strings.Contains(bodies[0], `"m7"`) || !strings.Contains(bodies[2], `"m9"`) {
		t.Fatalf("log %v, want m7, m8, m9", bodies)
	}
}

// A WABA's rate limit (80007) comes with Meta's X-Business-Use-Case-Usage header, whose
// estimated_time_to_regain_access (minutes) tells a client when to come back: the client
// reads it into the error, and its backoff waits at least that long.
func TestRateLimitCarriesRegainAccess(t *testing.T) {
	s := startFake(t, Config{IgnoreWindow: true})
	s.FailNext(pnA, 80007, 1)
	_, err := clientFor(t, s).SendMessage(bg(), tokenA, pnA, text(user, "hi"))
	e := asAPIError(t, err)
	if e.Code != 80007 || e.RegainAccessAfter != wabaRegainMinutes {
		t.Fatalf("%+v", e)
	}
	if d := graph.Backoff(err, 0); d < time.Duration(wabaRegainMinutes)*time.Minute {
		t.Fatalf("backoff %v, before Meta's estimate", d)
	}
}
