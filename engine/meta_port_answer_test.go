package engine

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/transport/graph"
)

// Meta answers every send it accepts with the message's wamid. A 2xx without one (a
// proxy's "{}", an answer of another call) says nothing about whether Meta has the message:
// the send may have gone out or not, so it is reconciled (maybe sent: settled by a status
// webhook carrying our id, else sent again), never recorded as sent — which lost a message
// Meta never saw, shown "sent" for good.
func TestSendAnsweredWithoutAWAMID(t *testing.T) {
	var body atomic.Pointer[string] // the server's answer, set by each case
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) {
		ctx.SetContentType("application/json")
		ctx.SetBodyString(*body.Load())
	}}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	client, err := graph.NewClient(graph.ClientOptions{BaseURL: "http://" + ln.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(client.CloseIdleConnections)
	port := metaPort{client: client}
	request := []byte(`{"messaging_product":"whatsapp","to":"+5511987654321","type":"text","text":{"body":"hi"}}`)
	for _, tc := range []struct {
		answer      string
		wamid, waID string
	}{
		{`{}`, "", ""},
		{`{"messaging_product":"whatsapp","contacts":[{"input":"+5511987654321","wa_id":"5511987654321"}],"messages":[]}`, "", ""},
		{`{"messaging_product":"whatsapp","messages":[{"id":""}]}`, "", ""},
		{`{"messaging_product":"whatsapp","messages":[{"id":"wamid.HBgN"}]}`, "wamid.HBgN", ""},
		// Meta's form of the number: the customer's wa_id comes back with the wamid.
		{`{"messaging_product":"whatsapp","contacts":[{"input":"+5511987654321","wa_id":"551187654321"}],"messages":[{"id":"wamid.HBgO"}]}`, "wamid.HBgO", "551187654321"},
	} {
		t.Run(tc.answer, func(t *testing.T) {
			body.Store(&tc.answer)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			acc, err := port.Send(ctx, "EAA-tenant-a", "109881335267193", request)
			if tc.wamid != "" {
				if err != nil || acc.WAMID != tc.wamid || acc.WaID != tc.waID {
					t.Fatalf("answer %+v, err %v; want wamid %q, wa_id %q", acc, err, tc.wamid, tc.waID)
				}
				return
			}
			var f *actors.SendFailure
			if !errors.As(err, &f) || !f.MaybeSent || f.Unreached {
				t.Fatalf("answer %s: %+v, err %v; want a maybe-sent failure", tc.answer, acc, err)
			}
		})
	}
}
