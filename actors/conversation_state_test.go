package actors

import (
	"errors"
	"fmt"
	"github.com/switchboard/switchboard/persistence"
	"slices"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func newTestConversation() *conversation {
	return newConversation(conversationSnapshot{Summary: ConversationSummary{ID: "t_1", Status: ConversationOpen}},
		func(seq int) ([]Message, error) { return nil, errors.New("nothing stored") })
}

func inbound(wamid string, at time.Time) Message {
	return Message{WAMID: wamid, Type: "text", Text: "hi " + wamid, Timestamp: at}
}

func TestDeliverDedupesAndCounts(t *testing.T) {
	c := newTestConversation()
	d := &Deliver{Contact: Contact{WaID: "5511987654321", Name: "Ana"}, Messages: []Message{inbound("w1", t0), inbound("w2", t0.Add(time.Minute))}}
	for i := range 5 {
		r, err := c.deliver(d, t0)
		if err != nil {
			t.Fatal(err)
		}
		wantAdded := 0
		if i == 0 {
			wantAdded = 2
		}
		if r.Added != wantAdded || r.Added+r.Duplicates != 2 {
			t.Fatalf("delivery %d: %+v", i, r)
		}
	}
	s := c.s.Summary
	if s.MessageCount != 2 || s.UnreadCount != 2 || s.Contact.Name != "Ana" || !s.LastInboundAt.Equal(t0.Add(time.Minute)) ||
		s.LastMessage.WAMID != "w2" || s.LastInboundWAMID != "w2" {
		t.Fatalf("summary %+v", s)
	}
	if !s.WindowOpen(t0.Add(24*time.Hour)) || s.WindowOpen(t0.Add(25*time.Hour)) {
		t.Fatal("window")
	}
	if !c.markRead() || c.s.Summary.UnreadCount != 0 || c.markRead() {
		t.Fatal("markRead")
	}
}

func TestStatusesMonotonicHeldAndFailed(t *testing.T) {
	st := func(w, s string, at time.Time) StatusUpdate { return StatusUpdate{WAMID: w, Status: s, Timestamp: at} }
	failed := StatusUpdate{WAMID: "o1", Status: StatusFailed, Timestamp: t0, Error: &MessageError{Code: 131047, Title: "Re-engagement message"}}
	cases := []struct {
		name     string
		sequence []StatusUpdate
		want     string
		wantErr  int
	}{
		{"in order", []StatusUpdate{st("o1", "sent", t0), st("o1", "delivered", t0), st("o1", "read", t0)}, StatusRead, 0},
		{"read before sent and a duplicate sent", []StatusUpdate{st("o1", "read", t0), st("o1", "sent", t0), st("o1", "sent", t0)}, StatusRead, 0},
		{"late delivered after read", []StatusUpdate{st("o1", "read", t0), st("o1", "delivered", t0)}, StatusRead, 0},
		{"failed keeps its error", []StatusUpdate{st("o1", "sent", t0), failed}, StatusFailed, 131047},
		{"delivery reported after a failure wins", []StatusUpdate{failed, st("o1", "delivered", t0), st("o1", "read", t0)}, StatusRead, 131047},
		{"sent after a failure does not undo it", []StatusUpdate{failed, st("o1", "sent", t0)}, StatusFailed, 131047},
		{"failure after read keeps read, records error", []StatusUpdate{st("o1", "read", t0), failed}, StatusRead, 131047},
		{"played after read", []StatusUpdate{st("o1", "read", t0), st("o1", "played", t0)}, StatusPlayed, 0},
	}
	for _, tc := range cases {
		for _, held := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/held=%v", tc.name, held), func(t *testing.T) {
				c, m := applyStatuses(t, tc.sequence, held)
				if m.Status != tc.want {
					t.Fatalf("status %s, want %s", m.Status, tc.want)
				}
				if tc.wantErr != 0 && (m.Error == nil || m.Error.Code != tc.wantErr || m.Error.Title == "") {
					t.Fatalf("error %+v", m.Error)
				}
				if len(c.s.Held) != 0 {
					t.Fatalf("held left over: %v", c.s.Held)
				}
			})
		}
	}
}

// TestStatusOrderDoesNotDecideTheOutcome applies every ordering of each set of statuses Meta
// may report for one message, applied and held: the message ends on the same status whatever
// the order. A delivery (delivered, read, played) means the message reached one of the
// customer's devices, so it outranks a failure (another device's, multi-device), and a failure
// outranks sent: Meta's failed after sent is the message failing.
func TestStatusOrderDoesNotDecideTheOutcome(t *testing.T) {
	failed := StatusUpdate{WAMID: "o1", Status: StatusFailed, Timestamp: t0, Error: &MessageError{Code: 131026, Title: "Message undeliverable"}}
	st := func(s string) StatusUpdate { return StatusUpdate{WAMID: "o1", Status: s, Timestamp: t0} }
	cases := []struct {
		set  []StatusUpdate
		want string
	}{
		{[]StatusUpdate{st(StatusSent), failed}, StatusFailed},
		{[]StatusUpdate{st(StatusDelivered), failed}, StatusDelivered},
		{[]StatusUpdate{st(StatusSent), st(StatusDelivered), failed}, StatusDelivered},
		{[]StatusUpdate{st(StatusRead), failed}, StatusRead},
		{[]StatusUpdate{st(StatusSent), st(StatusDelivered), st(StatusRead), failed}, StatusRead},
		{[]StatusUpdate{st(StatusPlayed), st(StatusRead), failed}, StatusPlayed},
	}
	for _, tc := range cases {
		for _, order := range permutations(tc.set) {
			for _, held := range []bool{false, true} {
				var names []string
				for _, s := range order {
					names = append(names, s.Status)
				}
				t.Run(fmt.Sprintf("%v/held=%v", names, held), func(t *testing.T) {
					_, m := applyStatuses(t, order, held)
					if m.Status != tc.want {
						t.Fatalf("status %s, want %s", m.Status, tc.want)
					}
					// The failure is kept beside a delivery: the inbox can say a device missed it.
					if m.Error == nil || m.Error.Code != failed.Error.Code {
						t.Fatalf("error %+v", m.Error)
					}
					for _, s := range order {
						if _, ok := m.StatusTimestamps[s.Status]; !ok {
							t.Fatalf("no timestamp for %s: %v", s.Status, m.StatusTimestamps)
						}
					}
				})
			}
		}
	}
}

// applyStatuses applies sequence to message m1 (wamid o1) of a new conversation; held, the
// message becomes known only after its statuses (status before the send response), so they
// are held and apply on its arrival.
func applyStatuses(t *testing.T, sequence []StatusUpdate, held bool) (*conversation, *Message) {
	t.Helper()
	c := newTestConversation()
	if !held {
		c.addOutbound(Message{ID: "m1", WAMID: "o1", Type: "text", Status: StatusQueued}, t0)
	}
	for _, s := range sequence {
		if _, err := c.applyStatus(s); err != nil {
			t.Fatal(err)
		}
	}
	if held {
		c.addOutbound(Message{ID: "m1", WAMID: "o1", Type: "text", Status: StatusQueued}, t0)
	}
	m, err := c.log.at(0)
	if err != nil {
		t.Fatal(err)
	}
	return c, m
}

// permutations returns every ordering of s.
func permutations(s []StatusUpdate) [][]StatusUpdate {
	if len(s) <= 1 {
		return [][]StatusUpdate{slices.Clone(s)}
	}
	var out [][]StatusUpdate
	for i := range s {
		rest := append(slices.Clone(s[:i]), s[i+1:]...)
		for _, p := range permutations(rest) {
			out = append(out, append([]StatusUpdate{s[i]}, p...))
		}
	}
	return out
}

func TestHeldStatusesAreBounded(t *testing.T) {
	c := newTestConversation()
	for i := range maxHeldWAMIDs + 10 {
		c.applyStatus(StatusUpdate{WAMID: fmt.Sprint("x", i), Status: StatusSent, Timestamp: t0})
	}
	if len(c.s.Held) != maxHeldWAMIDs || len(c.s.HeldOrder) != maxHeldWAMIDs {
		t.Fatalf("held %d/%d", len(c.s.Held), len(c.s.HeldOrder))
	}
	if _, ok := c.s.Held["x0"]; ok {
		t.Fatal("oldest not evicted")
	}
	if m, ok := c.heldFor(fmt.Sprint("x", maxHeldWAMIDs+9)); !ok || m.Status != StatusSent {
		t.Fatalf("heldFor %+v %v", m, ok)
	}
}

// flushInto stores the conversation's changed buckets in store, as a flush does.
func flushInto(t *testing.T, c *conversation, store map[int][]Message) {
	t.Helper()
	dirty, err := c.log.takeDirty()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirty {
		var msgs []Message
		if err := unmarshal(persistence.JoinParts(d.parts), &msgs); err != nil {
			t.Fatal(err)
		}
		store[d.seq] = msgs
	}
}

func TestMessagesPagesAcrossBuckets(t *testing.T) {
	store := map[int][]Message{}
	c := newConversation(conversationSnapshot{}, func(seq int) ([]Message, error) {
		b, ok := store[seq]
		if !ok {
			return nil, errors.New("missing")
		}
		return append([]Message(nil), b...), nil
	})
	for i := range 100 {
		c.addInbound(inbound(fmt.Sprint("w", i), t0.Add(time.Duration(i)*time.Second)), t0)
		if i%10 == 9 {
			flushInto(t, c, store)
		}
	}
	// Page 1 is the newest 20, oldest first; page 5 the oldest; page 6 empty.
	p1, _, err := c.messagesBefore(100, 1, 20)
	if err != nil || len(p1) != 20 || p1[0].WAMID != "w80" || p1[19].WAMID != "w99" {
		t.Fatalf("page 1: %v %d", err, len(p1))
	}
	p5, _, err := c.messagesBefore(100, 5, 20)
	if err != nil || len(p5) != 20 || p5[0].WAMID != "w0" {
		t.Fatalf("page 5: %v", err)
	}
	if p6, _, _ := c.messagesBefore(100, 6, 20); len(p6) != 0 {
		t.Fatalf("page 6 has %d", len(p6))
	}
	// Pages pinned before a position (a cursor) count from there, whatever came after it.
	for _, tc := range []struct {
		end, page, limit int
		first, n, from   int
	}{
		{end: 30, page: 1, limit: 20, first: 10, n: 20, from: 10},
		{end: 30, page: 2, limit: 20, first: 0, n: 10, from: 0},
		{end: 30, page: 3, limit: 20, n: 0, from: 30},
		{end: 5, page: 1, limit: 20, first: 0, n: 5, from: 0},
		{end: 0, page: 1, limit: 20, n: 0, from: 0},
		{end: 1000, page: 1, limit: 10, first: 90, n: 10, from: 90}, // beyond the end: the end
	} {
		got, from, err := c.messagesBefore(tc.end, tc.page, tc.limit)
		if err != nil || len(got) != tc.n || from != tc.from || (tc.n > 0 && got[0].WAMID != fmt.Sprint("w", tc.first)) {
			t.Fatalf("before %d page %d: %v, %d messages from %d", tc.end, tc.page, err, len(got), from)
		}
	}
	// A fresh activation over the stored buckets rebuilds the dedupe index.
	c2 := newConversation(conversationSnapshot{Summary: ConversationSummary{MessageCount: 100}}, func(seq int) ([]Message, error) { return store[seq], nil })
	if err := c2.log.warm(); err != nil {
		t.Fatal(err)
	}
	if added, _ := c2.addInbound(inbound("w99", t0), t0); added {
		t.Fatal("duplicate after reactivation")
	}
}

func TestTenantStateApply(t *testing.T) {
	s := newTenantState()
	s.apply(TenantEvent{Field: "message_template_status_update", Template: &TemplateUpdate{ID: 1, Name: "order_shipped", Language: "pt-BR", Status: "APPROVED", Category: "UTILITY"}})
	s.apply(TenantEvent{Field: "template_category_update", Template: &TemplateUpdate{ID: 1, Name: "order_shipped", Language: "pt_BR", Category: "MARKETING", PreviousCategory: "UTILITY"}})
	tpl := s.Templates[templateKey("order_shipped", "pt_BR")]
	if tpl.Status != "APPROVED" || tpl.Category != "MARKETING" {
		t.Fatalf("template %+v", tpl)
	}
	s.apply(TenantEvent{Field: "account_update", Account: &AccountEvent{Event: "PARTNER_APP_UNINSTALLED"}})
	if !s.NeedsReauth {
		t.Fatal("uninstall not noted")
	}
	s.apply(TenantEvent{Field: "phone_number_quality_update", Quality: &QualityUpdate{Event: "DOWNGRADE", CurrentLimit: "TIER_1K"}})
	if s.HighThroughput {
		t.Fatal("a messaging-limit change taken for a throughput upgrade")
	}
	s.apply(TenantEvent{Field: "phone_number_quality_update", Quality: &QualityUpdate{Event: EventThroughputUpgrade, CurrentLimit: "TIER_UNLIMITED"}})
	if !s.HighThroughput {
		t.Fatal("throughput upgrade not noted")
	}
	for range maxTenantEvents + 5 {
		s.apply(TenantEvent{Field: "account_update", Account: &AccountEvent{Event: "ACCOUNT_VIOLATION"}})
	}
	if len(s.Recent) != maxTenantEvents {
		t.Fatalf("recent %d", len(s.Recent))
	}
}

// A bucket written ahead of its snapshot (MongoDB: buckets first, then a crash) must not
// make the replayed delivery look like a duplicate.
func TestBucketAheadOfSnapshotIsReplayed(t *testing.T) {
	stored := map[int][]Message{0: {inbound("w0", t0), inbound("w1", t0), inbound("w2", t0)}}
	for i := range stored[0] {
		stored[0][i].Direction = Inbound
	}
	// The snapshot counts two messages; the bucket holds a third the crash left behind.
	c := newConversation(conversationSnapshot{Summary: ConversationSummary{MessageCount: 2}},
		func(seq int) ([]Message, error) { return append([]Message(nil), stored[seq]...), nil })
	if err := c.log.warm(); err != nil {
		t.Fatal(err)
	}
	if added, _ := c.addInbound(inbound("w2", t0), t0); !added {
		t.Fatal("replayed message treated as a duplicate")
	}
	if added, _ := c.addInbound(inbound("w1", t0), t0); added {
		t.Fatal("stored message added twice")
	}
	if c.log.count != 3 {
		t.Fatalf("count %d", c.log.count)
	}
}

// GetMessage finds a message by the engine's id (outbound) or its wamid among the last
// lookupWindow messages: from the index when it is recent, else from the stored buckets,
// which it reads without keeping them in memory.
func TestFindMessageByIDOrWAMID(t *testing.T) {
	store := map[int][]Message{}
	c := newConversation(conversationSnapshot{}, func(seq int) ([]Message, error) { return nil, errors.New("nothing stored yet") })
	const total = 300
	for i := range total {
		at := t0.Add(time.Duration(i) * time.Second)
		if i%2 == 0 {
			c.addInbound(inbound(fmt.Sprint("w", i), at), at)
			continue
		}
		c.addOutbound(Message{ID: fmt.Sprint("out", i), Direction: Outbound, Type: "text", Text: "reply", Status: StatusQueued, Timestamp: at}, at)
		pos, _ := c.log.lookup(outboundKey(fmt.Sprint("out", i)))
		m, _ := c.log.at(pos)
		m.WAMID = fmt.Sprint("wamid.out", i) // as Meta's answer does
		c.log.setWAMID(pos, m.WAMID)
	}
	// Two messages Meta failed once and the engine sent again: the earlier attempts' wamids,
	// retracted (not indexed), still name them.
	for _, id := range []string{"out11", "out299"} {
		pos, _ := c.log.lookup(outboundKey(id))
		m, _ := c.log.at(pos)
		m.RetractedWAMIDs = []string{"wamid.first-" + id}
	}
	flushInto(t, c, store)
	// A fresh activation indexes only the last activationMessages.
	loads := 0
	fresh := newConversation(conversationSnapshot{Summary: ConversationSummary{MessageCount: total}}, func(seq int) ([]Message, error) {
		loads++
		return append([]Message(nil), store[seq]...), nil
	})
	if err := fresh.log.warm(); err != nil {
		t.Fatal(err)
	}
	resident := len(fresh.log.buckets)
	for _, tc := range []struct {
		name, id  string
		window    int
		want      string // the found message's text marker: its wamid; "" for not found
		wantLoads bool
	}{
		{"recent inbound by wamid", "w298", lookupWindow, "w298", false},
		{"recent outbound by our id", "out299", lookupWindow, "wamid.out299", false},
		{"recent outbound by its wamid", "wamid.out297", lookupWindow, "wamid.out297", false},
		{"old outbound beyond the index", "out11", lookupWindow, "wamid.out11", true},
		{"old inbound beyond the index", "w10", lookupWindow, "w10", true},
		{"older than the window", "w10", 200, "", true},
		{"recent outbound by a retracted wamid", "wamid.first-out299", lookupWindow, "wamid.out299", false},
		{"old outbound by a retracted wamid", "wamid.first-out11", lookupWindow, "wamid.out11", true},
		{"the index's own key is no id", "#out299", lookupWindow, "", true},
		{"unknown", "nope", lookupWindow, "", true},
		{"empty", "", lookupWindow, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := loads
			m, ok, err := fresh.log.find(tc.id, tc.window)
			if err != nil {
				t.Fatal(err)
			}
			if got := map[bool]string{true: m.WAMID}[ok]; got != tc.want {
				t.Fatalf("found %q (ok %v), want %q", got, ok, tc.want)
			}
			if read := loads > before; read != tc.wantLoads {
				t.Fatalf("read the store: %v, want %v", read, tc.wantLoads)
			}
			if len(fresh.log.buckets) != resident {
				t.Fatalf("%d buckets in memory after the lookup, %d before", len(fresh.log.buckets), resident)
			}
		})
	}
}

// Webhooks arrive out of order: a message Meta received earlier, stored after a later one,
// neither becomes what the read receipt and the typing indicator name nor the summary's
// last message. A deletion or an edit (coexistence numbers) is kept in the history but is
// not a new message: not unread, not last, and it does not move the window.
func TestLateAndAmendingInboundMessages(t *testing.T) {
	c := newTestConversation()
	deliver := func(m Message) {
		t.Helper()
		if _, err := c.deliver(&Deliver{Contact: Contact{WaID: "5511987654321"}, Messages: []Message{m}}, t0); err != nil {
			t.Fatal(err)
		}
	}
	deliver(inbound("new", t0))
	deliver(inbound("old", t0.Add(-100*time.Second)))
	s := c.s.Summary
	if s.LastInboundWAMID != "new" || s.LastMessage.WAMID != "new" || !s.LastInboundAt.Equal(t0) || s.UnreadCount != 2 {
		t.Fatalf("after a late older message: %+v", s)
	}
	revoke := Message{WAMID: "del", Type: "revoke", Text: "[revoke]", Content: []byte(`{"original_message_id":"new"}`), Timestamp: t0.Add(30 * time.Hour)}
	deliver(revoke)
	s = c.s.Summary
	if s.MessageCount != 3 || s.UnreadCount != 2 || s.LastInboundWAMID != "new" || s.LastMessage.WAMID != "new" || s.WindowOpen(t0.Add(30*time.Hour)) {
		t.Fatalf("after a deletion: %+v", s)
	}
	// The deleted message is blanked, as in the user's chat, here and in the summary's copy.
	pos, _ := c.log.lookup("new")
	if m, err := c.log.at(pos); err != nil || m.Text != "" || m.Content != nil || !m.RevokedAt.Equal(revoke.Timestamp) {
		t.Fatalf("the revoked message: %+v (%v)", m, err)
	}
	if last := c.s.Summary.LastMessage; last.Text != "" || last.RevokedAt.IsZero() {
		t.Fatalf("the summary still shows the revoked text: %+v", last)
	}
	// A status for the summary's last message still refreshes it, wherever it is stored.
	c2 := newTestConversation()
	out := Message{ID: "o1", WAMID: "o1", Type: "text", Text: "reply", Timestamp: t0}
	if !c2.addOutbound(out, t0) {
		t.Fatal("not added")
	}
	if _, err := c2.deliver(&Deliver{Contact: Contact{WaID: "5511987654321"}, Messages: []Message{inbound("older", t0.Add(-time.Minute))}}, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := c2.applyStatus(StatusUpdate{WAMID: "o1", Status: StatusDelivered, Timestamp: t0.Add(time.Second)}); err != nil {
		t.Fatal(err)
	}
	if last := c2.s.Summary.LastMessage; last.ID != "o1" || last.Status != StatusDelivered {
		t.Fatalf("last message %+v", last)
	}
}

// The marketing opt-out follows the newest user_preferences update by Meta's timestamp, not
// by arrival: Meta retries for days and the engine's replay can re-dispatch an older entry
// after newer ones, and before, a late older "stop" after a newer "resume" opted the user
// out again.
func TestMarketingPreferenceFollowsItsTimestamp(t *testing.T) {
	pref := func(value string, at time.Time) PreferenceUpdate {
		return PreferenceUpdate{Category: "marketing_messages", Value: value, Timestamp: at}
	}
	t1, t2 := t0, t0.Add(time.Hour)
	cases := []struct {
		name       string
		deliveries [][]PreferenceUpdate
		want       bool
	}{
		{"stop", [][]PreferenceUpdate{{pref("stop", t1)}}, true},
		{"stop then resume", [][]PreferenceUpdate{{pref("stop", t1)}, {pref("resume", t2)}}, false},
		{"late older stop", [][]PreferenceUpdate{{pref("resume", t2)}, {pref("stop", t1)}}, false},
		{"late older resume", [][]PreferenceUpdate{{pref("stop", t2)}, {pref("resume", t1)}}, true},
		{"late older stop in one delivery", [][]PreferenceUpdate{{pref("resume", t2), pref("stop", t1)}}, false},
		{"same second: arrival order", [][]PreferenceUpdate{{pref("stop", t1)}, {pref("resume", t1)}}, false},
		{"undated after dated", [][]PreferenceUpdate{{pref("resume", t2)}, {pref("stop", time.Time{})}}, false},
		{"replayed stop after resume", [][]PreferenceUpdate{{pref("stop", t1)}, {pref("resume", t2)}, {pref("stop", t1)}}, false},
		{"other categories", [][]PreferenceUpdate{{pref("stop", t1)}, {{Category: "other", Value: "resume", Timestamp: t2}}}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestConversation()
			for _, prefs := range tc.deliveries {
				if _, err := c.deliver(&Deliver{Contact: Contact{WaID: "5511987654321"}, Preferences: prefs}, t0); err != nil {
					t.Fatal(err)
				}
			}
			if got := c.s.Summary.Contact.MarketingOptOut; got != tc.want {
				t.Fatalf("marketing opt-out %v, want %v", got, tc.want)
			}
		})
	}
	// A conversation opened by a preference is dated by it (Meta's time, else the delivery's),
	// not year 1; a later message dates it as usual.
	for _, at := range []time.Time{t1, {}} {
		c := newTestConversation()
		if _, err := c.deliver(&Deliver{Contact: Contact{WaID: "5511987654321"}, Preferences: []PreferenceUpdate{pref("stop", at)}}, t2); err != nil {
			t.Fatal(err)
		}
		want := at
		if at.IsZero() {
			want = t2
		}
		if got := c.s.Summary.LastActivityAt; !got.Equal(want) {
			t.Fatalf("preference at %v: lastActivityAt %v, want %v", at, got, want)
		}
	}
	// A snapshot saved before the preference's time was kept cannot tell how old its opt-out
	// is: the next update applies.
	c := newConversation(conversationSnapshot{Summary: ConversationSummary{ID: "t_1", Contact: Contact{WaID: "5511987654321", MarketingOptOut: true}}},
		func(seq int) ([]Message, error) { return nil, errors.New("nothing stored") })
	if _, err := c.deliver(&Deliver{Preferences: []PreferenceUpdate{pref("resume", t1)}}, t0); err != nil || c.s.Summary.Contact.MarketingOptOut {
		t.Fatalf("an older snapshot's opt-out held back the next update (%v)", err)
	}
}

// Meta dates inbound messages to the whole second, the engine its sends to the nanosecond:
// a customer's answer within the second of the agent's message (an auto-reply, a quick
// tap) came out "older" than it, and the inbox kept showing the agent's message as the
// conversation's last, as if the customer had not answered.
func TestAnswerWithinTheSecondOfASendIsTheLastMessage(t *testing.T) {
	for _, tc := range []struct {
		name     string
		sentAt   time.Time
		answerAt time.Time
		wantLast string
	}{
		{"same second", t0.Add(700 * time.Millisecond), t0, "answer"},
		{"next second", t0.Add(700 * time.Millisecond), t0.Add(time.Second), "answer"},
		{"a late webhook of an earlier second", t0.Add(700 * time.Millisecond), t0.Add(-time.Second), "o1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestConversation()
			if !c.addOutbound(Message{ID: "o1", Type: "text", Text: "Can I help?", Timestamp: tc.sentAt}, tc.sentAt) {
				t.Fatal("not added")
			}
			if _, err := c.deliver(&Deliver{Contact: Contact{WaID: "5511987654321"}, Messages: []Message{inbound("answer", tc.answerAt)}}, tc.sentAt); err != nil {
				t.Fatal(err)
			}
			if got := c.s.Summary.LastMessage.ID; got != tc.wantLast {
				t.Fatalf("last message %q, want %q", got, tc.wantLast)
			}
		})
	}
}

// TestReactionIsNotUnread: a customer's reaction (or taking one back) is not a message for an
// agent to read, as in WhatsApp's and Chatwoot's own unread counts: it leaves the unread count
// alone. It is still the customer writing, so it keeps the window open (Meta: any message).
func TestReactionIsNotUnread(t *testing.T) {
	c := newTestConversation()
	reaction := func(wamid, emoji string, at time.Time) Message {
		return Message{WAMID: wamid, Type: "reaction", Text: emoji, Timestamp: at,
			Content: []byte(`{"message_id":"wamid.out1","emoji":"` + emoji + `"}`)}
	}
	d := &Deliver{Contact: Contact{WaID: "5511987654321"}, Messages: []Message{inbound("w1", t0)}}
	if _, err := c.deliver(d, t0); err != nil {
		t.Fatal(err)
	}
	if !c.markRead() {
		t.Fatal("markRead")
	}
	later := t0.Add(time.Hour)
	d = &Deliver{Contact: Contact{WaID: "5511987654321"}, Messages: []Message{reaction("r1", "👍", later), reaction("r2", "", later.Add(time.Second))}}
	if r, err := c.deliver(d, t0); err != nil || r.Added != 2 {
		t.Fatalf("deliver %+v (%v)", r, err)
	}
	s := c.s.Summary
	if s.UnreadCount != 0 {
		t.Fatalf("unread %d after reactions, want 0", s.UnreadCount)
	}
	if s.MessageCount != 3 || !s.LastInboundAt.Equal(later.Add(time.Second)) || !s.WindowOpen(later.Add(23*time.Hour)) {
		t.Fatalf("summary %+v", s)
	}
	// A message after them counts as before.
	if _, err := c.deliver(&Deliver{Messages: []Message{inbound("w2", later.Add(time.Minute))}}, t0); err != nil {
		t.Fatal(err)
	}
	if c.s.Summary.UnreadCount != 1 {
		t.Fatalf("unread %d, want 1", c.s.Summary.UnreadCount)
	}
}

// TestReactionIsNotTheMessageToMarkRead: Meta marks messages read (WHATSAPP.md §2, "the
// inbound wamid"), and documents no receipt or typing indicator on a reaction, which WhatsApp
// shows as an emoji on an earlier message, not a message of its own. The read receipt and
// the typing indicator name the newest message the customer wrote; a reaction after it, or
// an older message stored after the reaction, does not change that, while the reaction
// still keeps the window open.
func TestReactionIsNotTheMessageToMarkRead(t *testing.T) {
	c := newTestConversation()
	reaction := Message{WAMID: "r1", Type: "reaction", Text: "👍", Timestamp: t0.Add(time.Hour),
		Content: []byte(`{"message_id":"wamid.out1","emoji":"👍"}`)}
	for _, m := range []Message{inbound("w1", t0), reaction, inbound("w0", t0.Add(time.Minute))} {
		if _, err := c.deliver(&Deliver{Contact: Contact{WaID: "5511987654321"}, Messages: []Message{m}}, t0); err != nil {
			t.Fatal(err)
		}
	}
	s := c.s.Summary
	if s.LastInboundWAMID != "w0" || !s.LastInboundAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("last inbound %q at %v, want w0 and the reaction's time", s.LastInboundWAMID, s.LastInboundAt)
	}
	claim, ok := c.claimReadReceipt(&ClaimReadReceipt{For: time.Second}, t0)
	if !ok || claim.WAMID != "w0" || !claim.At.Equal(t0.Add(time.Minute)) {
		t.Fatalf("claim %+v (%v), want w0 at its own time", claim, ok)
	}
	// A message newer than the one marked read takes its place.
	if _, err := c.deliver(&Deliver{Messages: []Message{inbound("w2", t0.Add(2*time.Hour))}}, t0); err != nil {
		t.Fatal(err)
	}
	if s := c.s.Summary; s.LastInboundWAMID != "w2" || !s.LastInboundAt.Equal(t0.Add(2*time.Hour)) {
		t.Fatalf("summary %+v", s)
	}
}
