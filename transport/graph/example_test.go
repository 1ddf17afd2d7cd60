package graph_test

import (
	"fmt"

	json "github.com/goccy/go-json"

	"github.com/switchboard/switchboard/transport/graph"
)

func ExampleNewMessage() {
	req := graph.NewMessage("+5511987654321").
		WithTemplate(graph.NewTemplate("order_shipped", "pt_BR",
			graph.BodyComponent(graph.TextParam("Ana"), graph.TextParam("2 dias úteis")),
			graph.ButtonComponent(graph.ButtonSubTypeURL, 0, graph.TextParam("8812")),
		)).
		WithCallbackData("outbox=o_1")
	b, _ := json.Marshal(req)
	fmt.Println(string(b))
	// Output:
	// {"messaging_product":"whatsapp","recipient_type":"individual","to":"+5511987654321","type":"template","template":{"name":"order_shipped","language":{"code":"pt_BR"},"components":[{"type":"body","parameters":[{"type":"text","text":"Ana"},{"type":"text","text":"2 dias úteis"}]},{"type":"button","sub_type":"url","index":"0","parameters":[{"type":"text","text":"8812"}]}]},"biz_opaque_callback_data":"outbox=o_1"}
}

func ExampleClassOf() {
	body := []byte(`{"error":{"message":"(#131056) (Business Account, Consumer Account) pair rate limit hit","type":"OAuthException","code":131056,"fbtrace_id":"x"}}`)
	err := graph.ParseAPIError(400, body)
	fmt.Println(graph.ClassOf(err), graph.ClassOf(err).Retryable())
	// Output: retry_pair true
}
