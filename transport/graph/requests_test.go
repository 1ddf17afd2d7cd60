package graph

import (
	"path/filepath"
	"reflect"
	"testing"

	json "github.com/goccy/go-json"

	"github.com/switchboard/switchboard/internal/fixtures"
)

const replyWAMID = "wamid.HBgNNTExOTg3NjU0MzIxFQIAEhgUOENCN0Q2NjZENjg2NEQ5RkYzQUYA"

// withoutRecipientType drops the optional recipient_type (Meta defaults it to individual),
// as some fixtures do.
func withoutRecipientType(r *SendRequest) *SendRequest {
	r.RecipientType = ""
	return r
}

// requestFixtures builds, for every fixture in requests/, the Go value carrying the same
// content.
func requestFixtures() map[string]any {
	return map[string]any{
		"mark_read.json":        NewMarkRead(replyWAMID, false),
		"typing_indicator.json": NewMarkRead(replyWAMID, true),
		"register_phone.json":   &RegisterRequest{MessagingProduct: MessagingProduct, Pin: "581063"},
		"subscribed_apps_override.json": &SubscribedAppsOverride{
			OverrideCallbackURI: "https://hooks.example.com/wa/t/acme", VerifyToken: "vt_acme_5d1c",
		},
		"send_text.json": NewMessage("+5511987654321").WithTextPreview("Olá Ana, recebemos seu pedido.", false),
		"send_text_reply_with_context.json": NewMessage("+5511987654321").
			WithTextPreview("Sim! Veja: https://loja.example.com/entregas", true).InReplyTo(replyWAMID),
		"send_text_to_bsuid.json": NewMessageToUser("BR.48120937561230984412").WithText("Oi! Seguimos por aqui."),
		"send_audio_by_id.json":   withoutRecipientType(NewMessage("+5511987654321").WithAudio(MediaObject{ID: "9988776655443323"})),
		"send_image_by_id.json":   NewMessage("+5511987654321").WithImage(MediaObject{ID: "9988776655443322", Caption: "Seu cupom"}),
		"send_document_by_link.json": NewMessage("+5511987654321").WithDocument(MediaObject{
			Link: "https://files.example.com/nf/8812.pdf", Filename: "NF-8812.pdf", Caption: "Nota fiscal",
		}),
		"send_reaction.json":        NewMessage("+5511987654321").WithReaction(replyWAMID, "✅"),
		"send_reaction_remove.json": NewMessage("+5511987654321").WithReaction(replyWAMID, ""),
		"send_interactive_buttons.json": NewMessage("+5511987654321").WithInteractive(ButtonsInteractive(
			"Confirma a entrega para sábado?",
			NewReplyButton("confirm_delivery", "Confirmar"), NewReplyButton("reschedule", "Remarcar"))),
		"send_interactive_list.json": func() *SendRequest {
			list := ListInteractive("Escolha uma janela de entrega", "Ver horários", ListSection{
				Title: "Sábado",
				Rows: []ListRow{
					{ID: "slot_sat_10", Title: "Sábado 10h", Description: "Janela 10h–12h"},
					{ID: "slot_sat_14", Title: "Sábado 14h", Description: "Janela 14h–16h"},
				},
			})
			list.Header = &InteractiveHeader{Type: "text", Text: "Horários"}
			list.Footer = &InteractiveText{Text: "Loja Exemplo"}
			return NewMessage("+5511987654321").WithInteractive(list)
		}(),
		"send_template_positional.json": NewMessage("+5511987654321").WithTemplate(NewTemplate("order_shipped", "pt_BR",
			HeaderComponent(TextParam("#8812")),
			BodyComponent(TextParam("Ana"), TextParam("2 dias úteis")),
			ButtonComponent(ButtonSubTypeURL, 0, TextParam("8812")),
			ButtonComponent(ButtonSubTypeQuickReply, 1, PayloadParam("HUMAN_HANDOFF")),
		)).WithCallbackData("tenant=acme;campaign=c_42;recipient=r_991"),
		"send_template_named_image_header.json": withoutRecipientType(NewMessage("+5511987654321").WithTemplate(
			NewTemplate("black_friday_promo", "pt_BR",
				HeaderComponent(ImageParam(MediaObject{ID: "9988776655443322"})),
				BodyComponent(NamedTextParam("first_name", "Ana"), NamedTextParam("discount", "40%")),
			))),
		"send_template_auth_otp.json": withoutRecipientType(NewMessage("+5511987654321").WithTemplate(
			NewTemplate("login_code", "pt_BR",
				BodyComponent(TextParam("482913")),
				ButtonComponent(ButtonSubTypeURL, 0, TextParam("482913")),
			))),
	}
}

// Every request fixture is what our types marshal to (as parsed JSON, not bytes), and no
// fixture lacks a case.
func TestRequestFixtures(t *testing.T) {
	cases := requestFixtures()
	files := fixtures.Glob(t, "requests/*.json")
	if len(files) != len(cases) {
		t.Errorf("%d fixtures in requests/, %d cases", len(files), len(cases))
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			v, ok := cases[name]
			if !ok {
				t.Fatalf("no Go value builds %s", name)
			}
			got, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			assertSameJSON(t, fixtures.Read(t, f), got)

			// And the fixture decodes into the same type and re-encodes identically, so
			// fakemeta can read what the engine writes.
			back := reflect.New(reflect.TypeOf(v).Elem()).Interface()
			if err := json.Unmarshal(fixtures.Read(t, f), back); err != nil {
				t.Fatal(err)
			}
			again, err := json.Marshal(back)
			if err != nil {
				t.Fatal(err)
			}
			assertSameJSON(t, fixtures.Read(t, f), again)
		})
	}
}

func assertSameJSON(t *testing.T, want, got []byte) {
	t.Helper()
	var w, g any
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("want: %v", err)
	}
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("got: %v", err)
	}
	if !reflect.DeepEqual(w, g) {
		t.Fatalf("JSON differs\nwant %s\n got %s", compact(want), got)
	}
}

func compact(b []byte) []byte {
	var v any
	_ = json.Unmarshal(b, &v)
	out, _ := json.Marshal(v)
	return out
}

// Response fixtures decode into the response types with their load-bearing fields.
func TestResponseFixtures(t *testing.T) {
	decode := func(t *testing.T, file string, v any) {
		t.Helper()
		if err := json.Unmarshal(fixtures.Read(t, "graph/"+file), v); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("send_success", func(t *testing.T) {
		var r SendResponse
		decode(t, "send_success.json", &r)
		if r.WAMID() == "" || r.Contacts[0].WaID != "5511987654321" || r.Messages[0].MessageStatus != "" {
			t.Fatalf("%+v", r)
		}
	})
	t.Run("send_success_bsuid", func(t *testing.T) {
		var r SendResponse
		decode(t, "send_success_bsuid.json", &r)
		if r.Contacts[0].UserID != "BR.48120937561230984412" || r.Messages[0].MessageStatus != MessageStatusAccepted {
			t.Fatalf("%+v", r)
		}
	})
	t.Run("success", func(t *testing.T) {
		for _, f := range []string{"mark_read_success.json", "register_success.json", "subscribed_apps_post_success.json"} {
			var r SuccessResponse
			decode(t, f, &r)
			if !r.Success {
				t.Fatal(f)
			}
		}
	})
	t.Run("oauth", func(t *testing.T) {
		var r AccessToken
		decode(t, "oauth_access_token.json", &r)
		if r.AccessToken == "" || r.TokenType != "bearer" {
			t.Fatalf("%+v", r)
		}
	})
	t.Run("debug_token", func(t *testing.T) {
		var r DebugToken
		decode(t, "debug_token.json", &r)
		if !r.Data.IsValid || r.Data.ExpiresAt != 0 || !r.Data.GrantsWABA("104996122399160") || r.Data.GrantsWABA("118230547702211") {
			t.Fatalf("%+v", r)
		}
		flat := r.Data
		flat.GranularScopes = nil
		if !flat.GrantsWABA("118230547702211") {
			t.Fatal("flat scopes must be accepted when granular ones are absent")
		}
	})
	t.Run("subscribed_apps", func(t *testing.T) {
		var r SubscribedApps
		decode(t, "subscribed_apps_get.json", &r)
		if len(r.Data) != 1 || r.Data[0].WhatsAppBusinessAPIData.ID != "1432009877312456" {
			t.Fatalf("%+v", r)
		}
	})
	t.Run("templates", func(t *testing.T) {
		var p1, p2 TemplatesPage
		decode(t, "templates_page1.json", &p1)
		decode(t, "templates_page2_last.json", &p2)
		if len(p1.Data) != 3 || p1.Paging.Next == "" || p1.Paging.Cursors.After == "" || p2.Paging.Next != "" {
			t.Fatalf("%+v %+v", p1.Paging, p2.Paging)
		}
		if p1.Data[0].Components[2].Buttons[0].Type != "URL" || p2.Data[0].QualityScore.Score != "RED" {
			t.Fatalf("%+v", p1.Data[0])
		}
	})
	t.Run("phone_number", func(t *testing.T) {
		var r PhoneNumber
		decode(t, "phone_number_get.json", &r)
		if r.Throughput.Level != "STANDARD" || r.QualityRating != "GREEN" || r.MessagingLimit != "TIER_2K" || r.IsOfficialBusinessAccount == nil {
			t.Fatalf("%+v", r)
		}
		var l PhoneNumbersPage
		decode(t, "phone_numbers_list.json", &l)
		if len(l.Data) != 1 || l.Data[0].ID != "109881335267193" {
			t.Fatalf("%+v", l)
		}
	})
	t.Run("health_status", func(t *testing.T) {
		var r HealthStatusResponse
		decode(t, "health_status.json", &r)
		if r.HealthStatus.CanSendMessage != HealthBlocked || r.HealthStatus.Entities[1].Errors[0].ErrorCode != 141006 {
			t.Fatalf("%+v", r)
		}
	})
	t.Run("media", func(t *testing.T) {
		var u MediaURL
		decode(t, "media_get_url.json", &u)
		var up MediaUploadResponse
		decode(t, "media_upload_response.json", &up)
		if u.FileSize != "304512" || up.ID == "" {
			t.Fatalf("%+v %+v", u, up)
		}
	})
	t.Run("template_create", func(t *testing.T) {
		var r TemplateCreateResponse
		decode(t, "template_create_response.json", &r)
		if r.Status != TemplatePending {
			t.Fatalf("%+v", r)
		}
	})
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
