package actors

import (
	"testing"
	"time"

	json "github.com/goccy/go-json"
)

// What the conversation's messages, in any order of arrival, say of a customer's changed
// number: a notice is in force unless the customer wrote from the number after it (a message
// dated after the notice lifts it, one before makes a notice arriving late stale); neither a late message nor a reaction dated
// before the notice does, nor a revoke (a change to an old message, not the customer writing).
func TestChangedNumberFollowsTheTimestamps(t *testing.T) {
	notice := func(wamid string, at time.Time) Message {
		content, _ := json.Marshal(map[string]string{"type": "user_changed_number", "wa_id": "5511976543210"})
		return Message{WAMID: wamid, Type: "system", Timestamp: at, Content: content}
	}
	typed := func(m Message, typ string) Message { m.Type = typ; return m }
	for _, tc := range []struct {
		name    string
		msgs    []Message
		changed bool
	}{
		{"notice", []Message{inbound("a", t0), notice("n", t0.Add(time.Minute))}, true},
		{"notice in the second of the last message", []Message{inbound("a", t0), notice("n", t0)}, true},
		{"stale notice: they wrote from the number after it", []Message{inbound("a", t0.Add(2*time.Minute)), notice("n", t0.Add(time.Minute))}, false},
		{"written after the notice", []Message{notice("n", t0), inbound("b", t0.Add(time.Second))}, false},
		{"reaction after the notice", []Message{notice("n", t0), typed(inbound("b", t0.Add(time.Second)), "reaction")}, false},
		{"late message dated before the notice", []Message{notice("n", t0), inbound("b", t0.Add(-time.Minute))}, true},
		{"message in the notice's second", []Message{notice("n", t0), inbound("b", t0)}, true},
		{"revoke after the notice", []Message{notice("n", t0), typed(inbound("b", t0.Add(time.Second)), "revoke")}, true},
		{"changed again after changing back", []Message{notice("n", t0), inbound("b", t0.Add(time.Second)), notice("n2", t0.Add(time.Hour))}, true},
		{"an older notice arriving late", []Message{notice("n2", t0.Add(time.Hour)), inbound("b", t0.Add(time.Minute)), notice("n", t0)}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestConversation()
			c.s.Summary.TenantID = "0123456789abcdef01234567"
			for _, m := range tc.msgs {
				if _, err := c.addInbound(m, t0); err != nil {
					t.Fatal(err)
				}
			}
			if c.s.Summary.Contact.ChangedNumberTo != "5511976543210" {
				t.Fatalf("the notice is not recorded: %+v", c.s.Summary.Contact)
			}
			refusal := NumberChanged(&c.s.Summary)
			if (refusal != nil) != tc.changed {
				t.Fatalf("send refusal %v, want one: %v", refusal, tc.changed)
			}
			want := ""
			if tc.changed {
				want = "0123456789abcdef01234567_5511976543210"
			}
			if got := ContinuedIn(&c.s.Summary); got != want {
				t.Fatalf("continued in %q, want %q", got, want)
			}
		})
	}
}
