package rest

import (
	"testing"

	json "github.com/goccy/go-json"

	"github.com/switchboard/switchboard/transport/graph"
)

// Every parameter type needs its value in the member of its name: one without is a 400
// naming that member, not a 202 that Meta refuses later (132000).
func TestTemplateParameterValues(t *testing.T) {
	for _, c := range []struct {
		param, field string // field "" = accepted
	}{
		{`{"type":"text","text":"Ana"}`, ""},
		{`{"type":"text"}`, "components[0].parameters[0].text"},
		{`{"type":"currency","currency":{"fallback_value":"R$ 10,00","code":"BRL","amount_1000":10000}}`, ""},
		{`{"type":"currency"}`, "components[0].parameters[0].currency"},
		{`{"type":"currency","currency":{"fallback_value":"R$ 10,00","code":"real","amount_1000":10000}}`, "components[0].parameters[0].currency.code"},
		{`{"type":"date_time","date_time":{"fallback_value":"1 de janeiro"}}`, ""},
		{`{"type":"date_time"}`, "components[0].parameters[0].date_time.fallback_value"},
		{`{"type":"image","image":{"link":"https://example.com/a.jpg"}}`, ""},
		{`{"type":"image"}`, "components[0].parameters[0].image"},
		{`{"type":"video","video":{"id":"1","link":"https://example.com/a.mp4"}}`, "components[0].parameters[0].video"},
		{`{"type":"document","document":{"id":"1188223344556677","filename":"a.pdf"}}`, ""},
		{`{"type":"document","document":{}}`, "components[0].parameters[0].document"},
		{`{"type":"location","location":{"latitude":-23.56,"longitude":-46.65,"name":"Av. Paulista"}}`, ""},
		{`{"type":"location"}`, "components[0].parameters[0].location"},
		{`{"type":"location","location":{"latitude":95,"longitude":0}}`, "components[0].parameters[0].location.latitude"},
		{`{"type":"coupon_code","coupon_code":"SAVE20"}`, ""},
		{`{"type":"coupon_code"}`, "components[0].parameters[0].coupon_code"},
		{`{"type":"product","product":{"product_retailer_id":"SKU-1","catalog_id":"77"}}`, ""},
		{`{"type":"product"}`, "components[0].parameters[0].product.product_retailer_id"},
		{`{"type":"action","action":{"flow_token":"t"}}`, ""},
		{`{"type":"action"}`, "components[0].parameters[0].action"},
		{`{"type":"sticker"}`, "components[0].parameters[0].type"},
		// A media parameter names its media as send-media does: Meta fetches the link, and
		// an id is the number Meta gave an upload.
		{`{"type":"image","image":{"link":"ftp://example.com/a.jpg"}}`, "components[0].parameters[0].image.link"},
		{`{"type":"image","image":{"link":"a.jpg"}}`, "components[0].parameters[0].image.link"},
		{`{"type":"document","document":{"id":"nota-fiscal.pdf"}}`, "components[0].parameters[0].document.id"},
		// Meta refuses a text parameter with a line break, a tab or more than four spaces in a
		// row ("Param text cannot have new-line/tab characters or more than 4 consecutive spaces").
		{`{"type":"text","text":"Linha 1\nLinha 2"}`, "components[0].parameters[0].text"},
		{`{"type":"text","text":"Linha 1\r\nLinha 2"}`, "components[0].parameters[0].text"},
		{`{"type":"text","text":"Ana\tSilva"}`, "components[0].parameters[0].text"},
		{`{"type":"text","text":"Ana     Silva"}`, "components[0].parameters[0].text"},
		{`{"type":"text","text":"Ana    Silva"}`, ""},
		{`{"type":"text","text":"Olá, Ana 👋 — até já"}`, ""},
	} {
		var p graph.TemplateParameter
		if err := json.Unmarshal([]byte(c.param), &p); err != nil {
			t.Fatalf("%s: %v", c.param, err)
		}
		d := templateDetails("order_shipped", "pt_BR", []graph.TemplateComponent{{Type: graph.ComponentHeader, Parameters: []graph.TemplateParameter{p}}})
		switch {
		case c.field == "" && len(d) != 0:
			t.Errorf("%s: refused %+v", c.param, d)
		case c.field != "" && (len(d) != 1 || d[0].Field != c.field):
			t.Errorf("%s: %+v, want one detail on %s", c.param, d, c.field)
		}
	}
}
