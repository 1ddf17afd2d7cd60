package actors

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/switchboard/switchboard/cluster"
	"github.com/switchboard/switchboard/persistence"
)

// Meta counts a number's throughput per number, not per activation of its tenant (WHATSAPP.md
// §2-3). A tenant grain re-activated mid-stream (a snapshot out of step, a restart of its
// node) started its departure gate empty, and the pacer booked slots from 100 ms back: the
// second around the switch carried the old activation's last second and the new one's first,
// more than the number's rate. The next activation now continues from the departures the
// previous one handed over, or, when it handed none over, as if the number had just sent its
// full rate.
func TestGateHoldsAcrossActivations(t *testing.T) {
	const rate, messages = 10, 30
	for _, tc := range []struct {
		name string
		// restart ends the activation sending the backlog mid-stream and starts the next one.
		restart func(t *testing.T, h *gateHandoverRig, tenant string)
	}{
		{"a snapshot out of step", func(t *testing.T, h *gateHandoverRig, tenant string) {
			h.store.stopTenant(t, h.rig, tenant) // stops without saving anything
			if err := h.rig.client.WakeOutbound(t.Context(), tenant); err != nil {
				t.Fatal(err)
			}
		}},
		{"a restart of its node", func(t *testing.T, h *gateHandoverRig, tenant string) {
			h.stop()
			// The stopping activation handed its last window's departures over, and said so.
			snap, err := h.store.Snapshots().Load(t.Context(), KindTenant, tenant)
			if err != nil {
				t.Fatal(err)
			}
			var st TenantState
			if err := unmarshal(snap.Data, &st); err != nil {
				t.Fatal(err)
			}
			if rec, ok := st.Gates["1"]; !ok || len(rec.Before) == 0 || !st.SendingSince.IsZero() {
				t.Fatalf("the stopped activation handed over %+v (still marked: %v)", st.Gates, !st.SendingSince.IsZero())
			}
			h.start(t)
			if err := h.rig.client.WakeOutbound(t.Context(), tenant); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newGateHandoverRig(t)
			tenant := h.rig.newTenant(t, rate)
			token := "token-" + tenant
			rows := distinctRecipients(tenant, "gate", messages)
			if err := h.rig.store.Outbox().Enqueue(t.Context(), rows); err != nil {
				t.Fatal(err)
			}
			for _, row := range rows {
				if err := h.rig.client.SubmitOutbound(t.Context(), row); err != nil {
					t.Fatal(err)
				}
			}
			from := time.Now()
			waitFor(t, "the first activation sending at its rate", func() bool {
				return h.graph.sendsBetween(token, from, time.Now()) >= rate+rate/2
			})
			tc.restart(t, h, tenant)
			waitFor(t, "the backlog sent", func() bool {
				for _, row := range rows {
					if n, _ := h.graph.sends(row.ID); n == 0 {
						return false
					}
				}
				return true
			})
			if most := h.graph.busiestSecond(token, from); most > rate {
				t.Fatalf("a second around the switch held %d sends of a number paced at %d", most, rate)
			}
		})
	}
}

// distinctRecipients are n outbox rows of tenant, each to a customer of its own (so the pair
// limit stays out of the way).
func distinctRecipients(tenant, prefix string, n int) []persistence.OutboxMessage {
	rows := make([]persistence.OutboxMessage, n)
	for i := range rows {
		id, to := fmt.Sprintf("%s-%s-%d", prefix, tenant, i), fmt.Sprintf("55119%08d", i)
		row := outboxRow(tenant, id)
		row.Recipient, row.ConversationID = "+"+to, ConversationID(tenant, to)
		row.Request = fmt.Appendf(nil, `{"messaging_product":"whatsapp","to":"+%s","type":"text","text":{"body":"oferta %d"},"biz_opaque_callback_data":"%s"}`, to, i, id)
		rows[i] = row
	}
	return rows
}

// gateHandoverRig is a node of the test's own over a store whose snapshots can be made
// unreachable (stallStore), which it can stop and start again over the same store and Graph.
type gateHandoverRig struct {
	store *stallStore
	graph *fakeGraph
	rig   *senderRig
	node  *cluster.Node
}

func newGateHandoverRig(t *testing.T) *gateHandoverRig {
	t.Helper()
	store := &stallStore{Store: openStore(t, t.TempDir()), stalled: make(chan struct{}), release: make(chan struct{})}
	t.Cleanup(func() { _ = store.Close(context.Background()) })
	h := &gateHandoverRig{store: store, graph: newFakeGraph()}
	h.start(t)
	t.Cleanup(h.stop)
	return h
}

func (h *gateHandoverRig) start(t *testing.T) {
	t.Helper()
	node, err := cluster.Start(cluster.Options{ClusterName: "gate-handover", Addr: "127.0.0.1:0", Codec: Codec(),
		Kinds: Kinds(&Deps{Store: h.store, Graph: h.graph, Secrets: tenantSecrets{},
			Outbound: OutboundPolicy{Validity: time.Hour, SendTimeout: 5 * time.Second, ReconcileAfter: 300 * time.Millisecond}})})
	if err != nil {
		t.Fatal(err)
	}
	h.node, h.rig = node, &senderRig{store: h.store, graph: h.graph, client: NewClient(node)}
}

func (h *gateHandoverRig) stop() {
	if h.node != nil {
		h.node.Stop(context.Background())
		h.node = nil
	}
}

// The hand-over itself, on a clock the test moves: what an activation hands over at its
// stop, what the next one makes of it, and that an activation after idle does not wait.
func TestGateHandover(t *testing.T) {
	const rate, number = 10, "pn"
	base := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	activation := func(state *TenantState, at time.Time) *sender {
		d := &Deps{Now: func() time.Time { return at }}
		d.defaults()
		s := newSender(d, "t", state, func() error { return nil })
		s.dir.MessagesPerSecond = rate
		s.beginGates()
		return s
	}
	// The previous activation sent its full rate in its last second, up to base, and stopped.
	var handed TenantState
	first := activation(&handed, base.Add(-time.Second))
	nq := first.number(number)
	nq.gate.resize(rate)
	for i := range rate {
		nq.gate.record(base.Add(-time.Duration(rate-1-i) * 100 * time.Millisecond))
	}
	first.gates.sent = true
	first.markSending(base.Add(-time.Second))
	first.d.Now = func() time.Time { return base }
	first.d.gateClock = first.d.Now
	if !first.handGates() {
		t.Fatal("an activation that sent handed nothing over")
	}
	if !handed.SendingSince.IsZero() || len(handed.Gates[number].Before) != rate-1 {
		t.Fatalf("handed over %+v (mark %v), want %d departures and no mark", handed.Gates, handed.SendingSince, rate)
	}
	stored := restarted(t, handed)

	t.Run("right after", func(t *testing.T) {
		state := stored.clone()
		s := activation(&state, base.Add(50*time.Millisecond))
		g := s.number(number).gate
		if len(g.times) != rate || g.times[0].Before(base.Add(-900*time.Millisecond)) {
			t.Fatalf("the new gate holds %v, want the %d departures from %v on", g.times, rate, base.Add(-900*time.Millisecond))
		}
	})
	t.Run("after idle", func(t *testing.T) {
		state := stored.clone()
		at := base.Add(DepartureWindow + time.Millisecond)
		s := activation(&state, at)
		nq := s.number(number)
		if len(nq.gate.times) != 0 || nq.pace.slot(at).After(at) {
			t.Fatalf("after idle the gate holds %v and the first slot is %v, want no wait", nq.gate.times, nq.pace.slot(at))
		}
		if s.handGates() {
			t.Fatal("an activation that sent nothing saves at its stop")
		}
	})
	t.Run("after an activation that handed nothing over", func(t *testing.T) {
		state := stored.clone()
		state.SendingSince = base // marked, as the activation that crashed left it
		at := base.Add(time.Hour)
		s := activation(&state, at)
		nq := s.number(number)
		if len(nq.gate.times) != rate || !nq.gate.times[0].Equal(at) {
			t.Fatalf("the gate holds %v, want a full window at the activation's start", nq.gate.times)
		}
		if slot := nq.pace.slot(at); slot.Before(at.Add(DepartureWindow)) {
			t.Fatalf("the first slot is %v, before the window since the activation's start passed", slot)
		}
		later := at.Add(DepartureWindow)
		s.d.Now = func() time.Time { return later }
		s.d.gateClock = s.d.Now
		if other := s.number("another"); len(other.gate.times) != 0 {
			t.Fatalf("a number first used a window after the activation began starts with %v", other.gate.times)
		}
		if !s.handGates() || !state.SendingSince.IsZero() {
			t.Fatalf("the stop of an activation a window old kept the mark %v", state.SendingSince)
		}
	})
}

// An activation that finds a predecessor's mark still stored (that one crashed, or is still
// stopping: two activations at once) saves at its first send all the same. It then holds a
// version of its own, so the predecessor's hand-over at its stop is refused instead of
// clearing the mark under this one's sends (and fencing this one at its next save, a pause
// with it). Before, the mark found set skipped the save.
func TestFirstSendSavesOverAPredecessorsMark(t *testing.T) {
	at := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	d := &Deps{Now: func() time.Time { return at }}
	d.defaults()
	state := &TenantState{SendingSince: at.Add(-time.Minute)}
	saves := 0
	s := newSender(d, "t", state, func() error { saves++; return nil })
	s.beginGates()
	s.markSending(at)
	if saves != 0 {
		t.Fatalf("%d saves before any send, want 0", saves)
	}
	s.gates.sent = true
	s.markSending(at)
	s.markSending(at)
	if saves != 1 {
		t.Fatalf("%d saves for the first sends over a predecessor's mark, want 1", saves)
	}
	if !state.SendingSince.Equal(at.Add(-time.Minute)) {
		t.Fatalf("mark %v, want the predecessor's kept (its window is what the gates wait out)", state.SendingSince)
	}
}
