package engine_test

import (
	"slices"
	"testing"
	"time"

	"github.com/switchboard/switchboard/fakemeta"
)

// stepAsyncRestrictedResent: Meta accepts a send and then fails it with a restriction in a
// status webhook (131048: "retry hours later"). The tenant pauses, as for the same code
// answering a send, and the message is sent again once the pause is over
// (OUTBOUND_PAUSE_FOR, 2 s here), as the answer's path queues it again: not left failed.
func stepAsyncRestrictedResent(t *testing.T, r *metaRig) {
	conv := errorConv(t, r, 40)
	r.meta.FailNextAsync(phoneA, 131048, 1, fakemeta.To(errorCustomer(40)))
	q := r.send(t, r.agent, conv, "restricted after Meta took it")
	eventually(t, 10*time.Second, func() bool {
		res := r.Post("/api/v1/messages/send", r.agent, map[string]any{"conversationId": conv, "body": "while paused"})
		return res.Status == 409 && res.Code() == "sending_paused"
	}, func() string { return "sends never refused as paused" })
	m := settledMessage(t, r, conv, q.ID, "sent", "delivered", "read")
	var wamids []string
	for _, s := range r.meta.Sent(phoneA) {
		if s.BizOpaqueCallbackData == q.ID {
			wamids = append(wamids, s.WAMID)
		}
	}
	if len(wamids) != 2 || m.WAMID != wamids[1] || !slices.Equal(m.RetractedWAMIDs, wamids[:1]) {
		t.Fatalf("message %+v; fakemeta accepted it as %v, want twice (failed by Meta, then again)", m, wamids)
	}
}
