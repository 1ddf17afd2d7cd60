package engine_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/switchboard/switchboard/engine/enginetest"
	"github.com/switchboard/switchboard/fakemeta"
)

// A read receipt follows Meta's table for the codes that ask for a long wait (WHATSAPP.md
// §2.3): an app-level rate limit (4) wants minutes, maintenance (131057) about one, both
// longer than a receipt's deadline, so the receipt is not sent again (it waits for the next
// PUT /read): retrying within a second hammers a limit every tenant of the app shares.
// Meta's short trouble (131000) is still retried until the receipt lands.
func TestReadReceiptFollowsMetasBackoff(t *testing.T) {
	r := startWithMeta(t, enginetest.Embedded, fakemeta.DefaultConfig(), nil)
	for i, code := range []int{4, 131057} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			conv := r.customerWrites(t, r.tenantA, phoneA, fmt.Sprintf("55119777700%02d", i))
			before := r.meta.Stats().Numbers[phoneA]
			r.meta.FailNextReadReceipts(phoneA, code, 1)
			if res := r.Do(enginetest.Request{Method: "PUT", Path: "/api/v1/conversations/" + conv + "/read", Token: r.agent}); res.Status != 200 {
				t.Fatalf("mark read: %d %s", res.Status, res.Body)
			}
			eventually(t, 30*time.Second, func() bool { return r.meta.Stats().Numbers[phoneA].Errors[code] == before.Errors[code]+1 },
				func() string { return "Meta never refused the receipt" })
			time.Sleep(3 * time.Second) // the old schedule retried after 0.5–0.75 s
			if after := r.meta.Stats().Numbers[phoneA]; after.Requests != before.Requests+1 {
				t.Fatalf("Meta got %d calls for one receipt refused with %d, want 1 (no retry within the receipt's deadline)",
					after.Requests-before.Requests, code)
			}
		})
	}
}
