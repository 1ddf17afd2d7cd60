package fakemeta

import (
	json "github.com/goccy/go-json"

	"github.com/switchboard/switchboard/transport/graph"
)

// AddDemoTemplates gives the WABA the templates of the shared fixtures
// (graph/templates_page1.json, templates_page2_last.json) with their statuses: two
// sendable (order_shipped pt_BR, login_code), one rejected, one paused, one pending — so a
// demo or an engine test meets each case.
func (s *Server) AddDemoTemplates(wabaID string) {
	example := func(v any) json.RawMessage {
		b, _ := json.Marshal(v) // literal values always marshal
		return b
	}
	s.AddTemplate(wabaID, "order_shipped", "pt_BR", graph.TemplateApproved, graph.CategoryUtility, []graph.TemplateDefinitionBlock{
		{Type: "HEADER", Format: "TEXT", Text: "Pedido {{1}} enviado", Example: example(map[string]any{"header_text": []string{"#8812"}})},
		{Type: "BODY", Text: "Olá {{1}}, seu pedido saiu para entrega e chega em {{2}}.", Example: example(map[string]any{"body_text": [][]string{{"Ana", "2 dias úteis"}}})},
		{Type: "BUTTONS", Buttons: []graph.TemplateButtonDefinition{
			{Type: "URL", Text: "Rastrear", URL: "https://loja.example.com/rastreio/{{1}}", Example: example([]string{"https://loja.example.com/rastreio/8812"})},
			{Type: "QUICK_REPLY", Text: "Falar com atendente"},
		}},
	})
	s.AddTemplate(wabaID, "black_friday_promo", "pt_BR", graph.TemplateRejected, graph.CategoryMarketing, []graph.TemplateDefinitionBlock{
		{Type: "HEADER", Format: "IMAGE"},
		{Type: "BODY", Text: "{{first_name}}, até {{discount}} OFF só hoje!"},
		{Type: "FOOTER", Text: "Responda SAIR para não receber mais"},
	})
	s.AddTemplate(wabaID, "login_code", "pt_BR", graph.TemplateApproved, graph.CategoryAuthentication, []graph.TemplateDefinitionBlock{
		{Type: "BODY", Text: "*{{1}}* é seu código de verificação. Para sua segurança, não compartilhe este código.", AddSecurityRecommendation: true},
		{Type: "FOOTER", Text: "Este código expira em 10 minutos.", CodeExpirationMinutes: 10},
		{Type: "BUTTONS", Buttons: []graph.TemplateButtonDefinition{
			{Type: "URL", Text: "Copiar código", URL: "https://www.whatsapp.com/otp/code/?otp_type=COPY_CODE&code_expiration_minutes=10&code=otp{{1}}"},
		}},
	})
	s.AddTemplate(wabaID, "weekly_deals", "pt_BR", graph.TemplatePaused, graph.CategoryMarketing, []graph.TemplateDefinitionBlock{
		{Type: "BODY", Text: "Ofertas da semana: {{1}}"},
	})
	s.AddTemplate(wabaID, "order_shipped", "en_US", graph.TemplatePending, graph.CategoryUtility, []graph.TemplateDefinitionBlock{
		{Type: "BODY", Text: "Hi {{1}}, your order is on its way."},
	})
}
