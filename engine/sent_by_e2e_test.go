package engine_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/switchboard/switchboard/engine/enginetest"
	"github.com/switchboard/switchboard/fakemeta"
)

// An outbound message names the user who sent it — in the send's 202, in GET and in the
// list — so an agent's reply is told from the platform operator's, as Chatwoot's messages
// name their sender. Before, the two looked the same. (And a list's items name their
// conversation, as the send's answer and GET do.)
func TestOutboundMessagesNameTheirSender(t *testing.T) {
	r := startWithMeta(t, enginetest.Embedded, fakemeta.DefaultConfig(), nil)
	conv := r.customerWrites(t, r.tenantA, phoneA, "5511900000555")
	type sent struct {
		ID, ConversationID string
		SentBy             *author
	}
	for _, tc := range []struct{ name, token, role string }{
		{"agent", r.agent, "agent"},
		{"platform admin", r.admin, "platform_admin"},
	} {
		var me meView
		r.Get("/api/v1/auth/me", tc.token).Data(t, &me)
		want := author{UserID: me.User.ID, Role: tc.role}
		res := r.Post("/api/v1/messages/send", tc.token, map[string]any{"conversationId": conv, "body": "oi, aqui é " + tc.name})
		var d struct{ Message sent }
		if res.Status != 202 {
			t.Fatalf("%s's send: %d %s", tc.name, res.Status, res.Body)
		}
		res.Data(t, &d)
		if d.Message.SentBy == nil || *d.Message.SentBy != want {
			t.Fatalf("%s's send answered sentBy %+v, want %+v", tc.name, d.Message.SentBy, want)
		}
		var got struct{ Message sent }
		eventually(t, 10*time.Second, func() bool {
			res := r.Get("/api/v1/messages/"+conv+"/"+d.Message.ID, r.admin)
			if res.Status != 200 {
				return false
			}
			res.Data(t, &got)
			return got.Message.SentBy != nil
		}, func() string { return fmt.Sprintf("GET of %s's message: %+v", tc.name, got) })
		if *got.Message.SentBy != want {
			t.Fatalf("GET of %s's message: sentBy %+v, want %+v", tc.name, got.Message.SentBy, want)
		}
	}
	var list []sent
	r.Get("/api/v1/messages/"+conv, r.agent).Data(t, &list)
	var named int
	for _, m := range list {
		if m.SentBy != nil {
			named++
		}
		if m.ConversationID != conv { // each item names its conversation, as GET of one does
			t.Errorf("list item %s names conversation %q, want %s", m.ID, m.ConversationID, conv)
		}
	}
	if len(list) != 3 || named != 2 {
		t.Fatalf("the list holds %d messages, %d naming their sender; want 3 and the 2 sent", len(list), named)
	}
}
