package engine_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/engine/enginetest"
	"github.com/switchboard/switchboard/fakemeta"
)

// A tenant's backlog is bounded (OUTBOUND_QUEUE_WINDOW of sending at its number's rate):
// the send beyond it is a 429 queue_full with Retry-After that names the backlog, and the
// messages accepted before it are all in the outbox.
func TestSendBeyondTheBacklogBound(t *testing.T) {
	r := startWithMeta(t, enginetest.Embedded, fakemeta.DefaultConfig(), map[string]string{"OUTBOUND_QUEUE_WINDOW": "1s"})
	conv := r.customerWrites(t, r.tenantA, phoneA, "5511900000654")
	accepted := 0
	for {
		res := r.Post("/api/v1/messages/send", r.agent, map[string]any{"conversationId": conv, "body": fmt.Sprint("lote ", accepted)})
		if res.Status == 202 {
			accepted++
			if accepted > 1000 {
				t.Fatal("1,000 sends accepted with a backlog bound of one second of sending")
			}
			continue
		}
		if res.Status != 429 || res.Code() != "queue_full" || res.Header["Retry-After"] != "60" ||
			!strings.Contains(res.Envelope.Message, fmt.Sprintf("holds %d messages", accepted)) {
			t.Fatalf("after %d sends: %d %v %s", accepted, res.Status, res.Header["Retry-After"], res.Body)
		}
		break
	}
	if accepted != 80 { // one second at Meta's default rate
		t.Fatalf("%d sends accepted before the bound, want 80", accepted)
	}
	var queued int
	for _, m := range messages(t, r.Node, r.agent, conv) {
		if m.Direction == "outbound" {
			queued++
		}
	}
	if queued != accepted {
		t.Fatalf("the conversation holds %d sends, want the %d accepted", queued, accepted)
	}
}
