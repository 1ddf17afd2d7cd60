package engine_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/engine/enginetest"
	"github.com/switchboard/switchboard/fakemeta"
)

// An inbox calls PUT /conversations/:id/read whenever an agent opens the conversation: Meta
// hears of it only when a message arrived since the last receipt it accepted, on both
// stores and across a restart. A receipt Meta refused is sent again by a later PUT /read,
// and the typing indicator, which marks read at Meta, counts as a receipt.
func TestReadReceiptOnlyForNewMessages(t *testing.T) {
	for _, b := range enginetest.Backends {
		t.Run(string(b), func(t *testing.T) { readReceiptOnlyForNewMessages(t, b) })
	}
}

func readReceiptOnlyForNewMessages(t *testing.T, b enginetest.Backend) {
	r := startWithMeta(t, b, fakemeta.DefaultConfig(), nil)
	const waID = "5511955554444"
	conv := actors.ConversationID(r.tenantA, waID)
	markRead := func(r *metaRig) {
		t.Helper()
		if res := r.Do(enginetest.Request{Method: "PUT", Path: "/api/v1/conversations/" + conv + "/read", Token: r.agent}); res.Status != 200 {
			t.Fatalf("mark read: %d %s", res.Status, res.Body)
		}
	}
	say := func(r *metaRig) string {
		t.Helper()
		_, wamid := r.customerSays(t, r.tenantA, phoneA, waID)
		return wamid
	}
	receipts := func() int64 { return r.meta.Stats().Numbers[phoneA].MarkedRead }
	landed := func(wamid string, n int64) {
		t.Helper()
		what := func() string {
			return fmt.Sprintf("Meta marked read %d times, the last %q; want %d, the last %s", receipts(), r.meta.LastMarkedRead(phoneA), n, wamid)
		}
		eventually(t, 30*time.Second, func() bool {
			if receipts() > n {
				t.Fatal(what())
			}
			return r.meta.LastMarkedRead(phoneA) == wamid && receipts() == n
		}, what)
	}

	w1 := say(r)
	markRead(r)
	markRead(r) // the agent focuses the conversation again: nothing new to tell Meta
	landed(w1, 1)

	// A restart waits for receipts on their way (so none can land later unseen) and forgets
	// nothing: the receipt Meta accepted is part of the conversation.
	r = restartWithMeta(t, r, b)
	markRead(r)
	w2 := say(r)
	markRead(r)
	landed(w2, 2)

	// Meta refuses the receipt for w3 (a bad wamid, not retried). The refusal reaches the
	// conversation a moment after Meta answered, so PUT /read is called until a receipt
	// goes; those made while the refused one was still on its way send nothing.
	r.meta.FailNextReadReceipts(phoneA, 131009, 1)
	w3 := say(r)
	markRead(r)
	eventually(t, 30*time.Second, func() bool { return r.meta.Stats().Numbers[phoneA].Errors[131009] == 1 },
		func() string { return "Meta never refused the receipt" })
	eventually(t, 30*time.Second, func() bool { markRead(r); return receipts() == 3 },
		func() string { return "the refused receipt was never sent again" })
	landed(w3, 3)

	w4 := say(r)
	if res := r.Do(enginetest.Request{Method: "PUT", Path: "/api/v1/conversations/" + conv + "/typing", Token: r.agent}); res.Status != 200 {
		t.Fatalf("typing: %d %s", res.Status, res.Body)
	}
	landed(w4, 4)
	markRead(r) // typing marked w4 read at Meta

	r.Stop() // waits for every receipt on its way
	st := r.meta.Stats().Numbers[phoneA]
	if st.MarkedRead != 4 || st.Typing != 1 || st.Errors[131009] != 1 {
		t.Fatalf("Meta marked read %d times (%d with typing), refused %v; want 4 (1 with typing), one 131009", st.MarkedRead, st.Typing, st.Errors)
	}
}

// restartWithMeta stops r's node and starts another on the same store, routed from the same
// fakemeta.
func restartWithMeta(t *testing.T, r *metaRig, b enginetest.Backend) *metaRig {
	t.Helper()
	r.Stop()
	n := enginetest.Start(t, enginetest.Options{Backend: b, DataDir: r.DataDir, Database: r.Database, Env: metaEnv(r.meta)})
	r2 := &metaRig{Node: n, meta: r.meta, tenantA: r.tenantA}
	r2.route(t, wabaA, tokenA)
	r2.admin, r2.agent = n.Login(adminEmail, adminPassword), n.Login(agentEmail, agentPassword)
	return r2
}
