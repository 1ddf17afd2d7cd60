package actors

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/switchboard/switchboard/cluster"
	"github.com/switchboard/switchboard/internal/phone"
	"github.com/switchboard/switchboard/persistence"
)

// storeTimeout bounds one flush or load; past it the grain gives up and stops.
const storeTimeout = 10 * time.Second

// Failure codes the conversation grain answers.
const (
	FailureStore    = "store_unavailable"
	FailureInvalid  = "invalid_request"
	FailureNotFound = "not_found"
)

// conversationGrain runs one conversation. Writes are group-committed per grain: at most one
// flush is in flight; changes made meanwhile ride the next one. A reply that acknowledges a
// change is sent only once that change is durable, so the webhook processor never marks an
// inbox entry processed before its messages are stored.
type conversationGrain struct {
	d        *Deps
	identity string
	// storage is the identity the conversation is stored under: identity, or the other form
	// of its number for one stored before line keys (loadSnapshot).
	storage  string
	tenantID string
	conv     *conversation
	version  uint64
	epoch    uint64

	flushing bool
	dirty    bool
	waiting  []pendingReply // replies for changes not yet in a flush
	// assigned are the assignee changes not yet in a flush, published with it
	// (conversation.assigned).
	assigned []ConversationAssigned
	// behind: a write-behind flush is scheduled (flushDue), for changes nobody waits for.
	behind bool
	// behindTimer posts flushDue; one per activation, stopped when a flush takes the changes
	// first (a send's outcome usually does, within milliseconds).
	behindTimer *time.Timer
	// holding: the grain holds changes nobody waits for, and a hold on Deps.Drain, so a
	// graceful stop waits until they are written.
	holding bool
}

// writeBehind is how long a change nobody waits for (a send recorded queued) stays in memory
// before it is flushed. A send's outcome follows its record within milliseconds under load,
// and the outcome's flush then carries both: one snapshot and bucket write per message
// instead of two (the bucket is rewritten whole, the most expensive write of a send).
const writeBehind = 100 * time.Millisecond

// flushDue is the write-behind timer's local message.
type flushDue struct{}

type pendingReply struct {
	r cluster.Replier
	v any
}

// flushDone reports a flush's outcome to the grain (a local message).
type flushDone struct {
	err      error
	version  uint64
	replies  []pendingReply
	summary  ConversationSummary
	evidence []OutboundEvidence
	assigned []ConversationAssigned
	events   []MessageEvent // published once durable
}

func newConversationGrain(d *Deps, identity string) *conversationGrain {
	tenantID, _, _ := strings.Cut(identity, "/")
	return &conversationGrain{d: d, identity: identity, storage: identity, tenantID: tenantID}
}

func (g *conversationGrain) Receive(c *cluster.Context, msg any) {
	switch m := msg.(type) {
	case *actor.Started:
		if err := g.activate(); err != nil {
			g.d.Log.Error("conversation activation failed", "conversation", g.identity, "err", err)
			c.Stop()
			return
		}
		c.SetReceiveTimeout(g.d.Passivation)
	case *actor.ReceiveTimeout:
		if !g.flushing && !g.dirty && len(g.waiting) == 0 {
			c.Stop()
			return
		}
		// protoactor disarms the timeout when it fires: arm it again, or a grain that was
		// busy at that moment would never passivate.
		c.SetReceiveTimeout(g.d.Passivation)
	case *actor.Stopping:
		g.stopping()
	case *flushDone:
		g.flushed(c, m)
	case *flushDue:
		g.behind = false
		g.flush(c)
	default:
		if g.conv == nil {
			c.Reply().Fail(cluster.FailureStopping, "conversation not loaded")
			return
		}
		g.handle(c, msg)
	}
}

func (g *conversationGrain) handle(c *cluster.Context, msg any) {
	if !createsConversation(msg) && g.version == 0 && !g.dirty && !g.flushing {
		// Never stored: reads and agent actions must not bring a conversation into being.
		c.Reply().Fail(FailureNotFound, "conversation not found")
		return
	}
	switch m := msg.(type) {
	case *Deliver:
		if bad := m.unstorable(); bad != "" {
			g.d.Log.Error("delivery refused: a time no snapshot can encode", "conversation", g.identity, "record", bad)
			c.Reply().Fail(FailureInvalid, "unstorable time: "+bad)
			return
		}
		if g.version == 0 && !g.dirty && !g.flushing && len(m.Messages) == 0 && len(m.Preferences) == 0 && !placedAny(m.Statuses) {
			// Statuses of messages this conversation, which was never stored, cannot have:
			// Meta says to ignore those of another app on the same WABA, and holding them
			// would put an empty conversation in the inbox. One carrying callback data may be
			// ours all the same, in another conversation (the customer known by two keys) or
			// a record a crash lost: it is answered back for the processor to place by the
			// outbox, which delivers it again marked Placed when the message is this
			// conversation's, and then it is held.
			c.Reply().Send(unplacedOf(m.Statuses))
			return
		}
		contact, phone := g.conv.s.Summary.Contact, g.conv.s.Summary.PhoneNumberID
		r, err := g.conv.deliver(m, g.d.Now())
		g.tellNumberChange(c, contact) // before the flush: what was applied stays, error or not
		// Flush only what changed: a retried duplicate from Meta writes nothing, while a
		// lone preference (marketing stop) or profile change is persisted.
		changed := r.Added+r.StatusesApplied+r.StatusesHeld > 0 ||
			g.conv.s.Summary.Contact != contact || g.conv.s.Summary.PhoneNumberID != phone
		if err != nil {
			// Messages ahead of a status whose bucket could not be read stay applied.
			g.failAfter(c, changed, err)
			return
		}
		g.after(c, changed, &r)
	case *RecordOutbound:
		if m.Message.ID == "" {
			c.Reply().Fail(FailureInvalid, "outbound message needs an id")
			return
		}
		g.accepted(c, g.conv.addOutbound(m.Message, g.d.Now()))
	case *OutboundResult:
		if m.MessageID == "" {
			c.Reply().Fail(FailureInvalid, "outbound result needs a message id")
			return
		}
		changed, err := g.conv.outboundResult(m, g.d.Now())
		if err != nil {
			g.failAfter(c, changed, err)
			return
		}
		g.after(c, changed, &Ack{})
	case *GetOutbound:
		v := g.conv.outboundView(m.MessageID)
		c.Reply().Send(&v)
	case *MarkRead:
		g.after(c, g.conv.markRead(), nil)
	case *Assign:
		changed := g.conv.assign(m.AgentID)
		if changed {
			g.assigned = append(g.assigned, ConversationAssigned{TenantID: g.tenantID, ConversationID: g.conv.s.Summary.ID,
				AssignedTo: m.AgentID, AssignedBy: m.By})
		}
		g.after(c, changed, nil)
	case *ClaimReadReceipt:
		claim, _ := g.conv.claimReadReceipt(m, g.d.Now())
		c.Reply().Send(&claim)
	case *ReadReceiptSent:
		g.after(c, g.conv.readReceiptSent(m), &Ack{})
	case *GetConversation:
		c.Reply().Send(g.summary())
	case *ListMessages:
		if m.Page < 1 || m.Limit < 1 || m.Limit > 100 || (m.Before != nil && *m.Before < 0) {
			c.Reply().Fail(FailureInvalid, "page must be ≥ 1, limit 1..100 and before ≥ 0")
			return
		}
		end := g.conv.log.count
		if m.Before != nil {
			end = min(end, *m.Before)
		}
		msgs, from, err := g.conv.messagesBefore(end, m.Page, m.Limit)
		if err != nil {
			g.fail(c, err)
			return
		}
		c.Reply().Send(&MessagePage{Messages: msgs, Total: end, From: from})
	case *GetMessage:
		found, ok, err := g.conv.log.find(m.ID, lookupWindow)
		if err != nil {
			g.fail(c, err)
			return
		}
		c.Reply().Send(&FoundMessage{Found: ok, Message: found})
	default:
		c.Reply().Fail(FailureInvalid, fmt.Sprintf("conversation cannot handle %T", msg))
	}
}

// after queues the reply behind durability: when anything changed, or a flush is still
// writing earlier changes, the answer waits for the next flush to complete. v nil answers
// the summary as of that flush.
func (g *conversationGrain) after(c *cluster.Context, changed bool, v any) {
	if changed {
		g.dirty = true
	}
	if !g.dirty && !g.flushing {
		if v == nil {
			v = g.summary()
		}
		c.Reply().Send(v)
		return
	}
	g.waiting = append(g.waiting, pendingReply{r: c.Reply(), v: v})
	g.flush(c)
}

// accepted answers at once with the summary and writes behind. Only for records whose
// durable copy lives elsewhere: a send's promise is its outbox row (stored before the
// conversation is asked), and the sender hands the message back with its outcome
// (OutboundResult carries it), so a record lost in a crash before this flush is restored.
// Waiting here would put a second commit on every send's acknowledgement.
func (g *conversationGrain) accepted(c *cluster.Context, changed bool) {
	c.Reply().Send(g.summary())
	if !changed {
		return
	}
	g.dirty = true
	if g.d.Drain.closing() || (!g.holding && !g.d.Drain.begin()) {
		g.flush(c) // the node is stopping: no hold may start now, write at once
		return
	}
	g.holding = true
	if !g.behind {
		g.behind = true
		if g.behindTimer == nil {
			tell := c.Teller()
			g.behindTimer = time.AfterFunc(writeBehind, func() { tell(&flushDue{}) })
		} else {
			g.behindTimer.Reset(writeBehind)
		}
	}
}

// release ends the grain's drain hold once nothing it holds is unwritten (or never will be).
func (g *conversationGrain) release(force bool) {
	if g.holding && (force || (!g.dirty && !g.flushing)) {
		g.holding = false
		g.d.Drain.end()
	}
}

func (g *conversationGrain) summary() *ConversationSummary {
	s := g.conv.s.Summary
	return &s
}

// flush starts writing the dirty state unless a flush is already in flight.
func (g *conversationGrain) flush(c *cluster.Context) {
	if g.flushing || (!g.dirty && len(g.waiting) == 0) {
		return
	}
	w, err := g.takeWrite()
	if err != nil {
		// The state cannot be encoded: no flush of it could ever succeed, and keeping it would
		// fail every later change too. Drop it like a failed write: the next activation
		// reloads what is durable.
		g.d.Log.Error("conversation state cannot be encoded; unwritten changes dropped", "conversation", g.identity, "err", err)
		g.abandon(c, FailureStore, err, nil)
		return
	}
	if g.behind {
		// This flush carries what the write-behind timer was for. A flushDue already posted
		// finds nothing to write.
		g.behind = false
		g.behindTimer.Stop()
	}
	g.flushing = true
	store, tell := g.d.Store, c.Teller()
	g.d.spawn(func() {
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		defer cancel()
		err := store.Snapshots().Commit(ctx, w.snap, w.buckets)
		w.done.err = err
		tell(&w.done)
	})
}

// pendingWrite is one flush: what to commit and what to report once it is durable.
type pendingWrite struct {
	snap    persistence.Snapshot
	buckets []persistence.Bucket
	done    flushDone
}

// takeWrite encodes the dirty state as the next version and takes the replies waiting for it.
func (g *conversationGrain) takeWrite() (*pendingWrite, error) {
	version := g.version + 1
	g.conv.s.Summary.Version = version
	data, err := marshal(g.conv.s)
	if err != nil {
		return nil, fmt.Errorf("encode snapshot: %w", err)
	}
	now := g.d.Now()
	events := g.conv.log.takeChanged(g.tenantID, g.conv.s.Summary.ID)
	dirty, err := g.conv.log.takeDirty()
	if err != nil {
		return nil, err
	}
	buckets := make([]persistence.Bucket, len(dirty))
	for i, d := range dirty {
		buckets[i] = persistence.Bucket{Conversation: g.storage, Seq: d.seq, Count: d.count, Parts: d.parts, Changed: d.changed, UpdatedAt: now}
	}
	w := &pendingWrite{
		snap:    persistence.Snapshot{Kind: KindConversation, Identity: g.storage, Version: version, Epoch: g.epoch, Data: data, UpdatedAt: now},
		buckets: buckets,
		done: flushDone{version: version, replies: g.waiting, summary: g.conv.s.Summary, evidence: g.conv.takeEvidence(), events: events,
			assigned: g.assigned},
	}
	g.waiting, g.dirty, g.assigned = nil, false, nil
	return w, nil
}

// stopping writes changes still held for write-behind before the activation ends (a
// graceful stop or passivation). Best effort: the sender restores a lost send record.
func (g *conversationGrain) stopping() {
	defer g.release(true)
	if g.behindTimer != nil {
		g.behindTimer.Stop()
	}
	if g.conv == nil || g.flushing || !g.dirty {
		return
	}
	w, err := g.takeWrite()
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		err = g.d.Store.Snapshots().Commit(ctx, w.snap, w.buckets)
		cancel()
	}
	if err != nil {
		g.d.Log.Warn("conversation changes not written before stopping", "conversation", g.identity, "err", err)
		replies := g.waiting // takeWrite failed before taking them
		if w != nil {
			replies = w.done.replies
		}
		for _, p := range replies {
			p.r.Fail(cluster.FailureStopping, "conversation stopping")
		}
		return
	}
	w.done.publishAndAnswer(g.d)
}

// inbound counts the inbound messages this flush stored for the first time.
func (f *flushDone) inbound() int {
	n := 0
	for i := range f.events {
		if f.events[i].Type == EventMessageNew && f.events[i].Message.Direction == Inbound {
			n++
		}
	}
	return n
}

// publishAndAnswer tells the node of a durable flush (message events, the summary) and
// answers everyone who waited for it.
func (f *flushDone) publishAndAnswer(d *Deps) {
	if len(f.events) > 0 {
		d.OnMessages(f.events)
	}
	d.OnConversation(f.summary)
	for _, a := range f.assigned {
		a.Conversation = f.summary
		d.OnAssigned(a)
	}
	for _, p := range f.replies {
		v := p.v
		if v == nil {
			s := f.summary
			v = &s
		}
		p.r.Send(v)
	}
}

func (g *conversationGrain) flushed(c *cluster.Context, f *flushDone) {
	g.flushing = false
	if f.err != nil {
		// In-memory state is now ahead of the store: answer failure to everyone waiting and
		// stop, so the next activation reloads what is durable. Callers retry; deliveries are
		// idempotent. A version conflict means another activation owns this conversation.
		code := FailureStore
		if errors.Is(f.err, persistence.ErrVersionConflict) {
			code = cluster.FailureMoved
		}
		g.d.Log.Warn("conversation flush failed; stopping activation", "conversation", g.identity, "err", f.err)
		g.abandon(c, code, f.err, f.replies)
		return
	}
	g.version = f.version
	// Keep the tenant's inbox index current before acknowledging, so a processed message is
	// visible in GET /conversations: the upsert is in the tenant's mailbox before anyone
	// learns of the change, and a mailbox is FIFO. Told, not called: the index is rebuilt from
	// the snapshots when the tenant activates, so an upsert lost to a stopping activation
	// loses nothing durable. Evidence of sends: conversation_evidence.go.
	// Both tell from this Receive: one bound (tellBy) caps how long the mailbox waits, in all,
	// for a tenant whose owner is leaving.
	node, by := c.Node(), tellBy()
	if err := node.TellBy(by, KindTenant, f.summary.TenantID, &UpsertSummary{Summary: f.summary, Inbound: f.inbound()}); err != nil {
		g.d.Log.Warn("tenant index update failed", "conversation", f.summary.ID, "err", err)
	}
	g.handEvidence(by, node, f)
	f.publishAndAnswer(g.d)
	// Changes made during this flush go now if someone waits for them or their write-behind
	// time already passed; otherwise the pending flushDue takes them.
	if len(g.waiting) > 0 || (g.dirty && !g.behind) {
		g.flush(c)
	}
	g.release(false)
}

// abandon drops the in-memory state that is ahead of the store, answers code to everyone
// waiting for it (replies of the write that failed, then those waiting for the next) and
// stops the activation.
func (g *conversationGrain) abandon(c *cluster.Context, code string, err error, replies []pendingReply) {
	for _, p := range append(replies, g.waiting...) {
		p.r.Fail(code, err.Error())
	}
	g.waiting, g.dirty, g.assigned = nil, false, nil
	g.conv = nil
	g.release(true)
	c.Stop()
}

// failAfter answers a change that failed part-way: what it applied before the failure stays
// in memory, so it is written now. A retry finds that part done already and must not be
// answered before it is durable, which it is only while this flush is pending or done.
func (g *conversationGrain) failAfter(c *cluster.Context, changed bool, err error) {
	if changed {
		g.dirty = true
		g.flush(c)
	}
	g.fail(c, err)
}

func (g *conversationGrain) fail(c *cluster.Context, err error) {
	g.d.Log.Error("conversation failed", "conversation", g.identity, "err", err)
	c.Reply().Fail(FailureStore, err.Error())
}

// activate loads the snapshot and the recent buckets. A conversation never seen starts
// empty; its id and contact come with its first delivery.
// loadSnapshot loads the conversation's snapshot. A conversation keyed by a Brazilian or
// Mexican mobile's line key (phone.LineKey) that has none may have been stored before line
// keys under the other form of the number, Meta's wa_id then: it is this customer's
// conversation, so the grain reads and writes it there from now on, and it keeps its id and
// its messages instead of a second conversation starting beside it.
func (g *conversationGrain) loadSnapshot(ctx context.Context) (persistence.Snapshot, error) {
	snap, err := g.d.Store.Snapshots().Load(ctx, KindConversation, g.identity)
	if !errors.Is(err, persistence.ErrNotFound) {
		return snap, err
	}
	tenantID, key, _ := strings.Cut(g.identity, "/")
	other := phone.OtherForm(key)
	if other == "" {
		return snap, err
	}
	legacy, lerr := g.d.Store.Snapshots().Load(ctx, KindConversation, ConversationIdentity(tenantID, other))
	if lerr != nil {
		if errors.Is(lerr, persistence.ErrNotFound) {
			return snap, err
		}
		return legacy, fmt.Errorf("load snapshot stored under %s: %w", other, lerr)
	}
	g.storage = ConversationIdentity(tenantID, other)
	return legacy, nil
}

func (g *conversationGrain) activate() error {
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	snap, err := g.loadSnapshot(ctx)
	var s conversationSnapshot
	switch {
	case errors.Is(err, persistence.ErrNotFound):
		tenantID, key, _ := strings.Cut(g.identity, "/")
		now := g.d.Now()
		s.Summary = ConversationSummary{
			ID: ConversationID(tenantID, key), TenantID: tenantID, Status: ConversationOpen,
			CreatedAt: now, // LastActivityAt comes from the first message's own time
		}
		if strings.Contains(key, ".") {
			s.Summary.Contact.UserID = key
		} else {
			s.Summary.Contact.WaID = key
		}
	case err != nil:
		return fmt.Errorf("load snapshot: %w", err)
	default:
		if err := unmarshal(snap.Data, &s); err != nil {
			return fmt.Errorf("decode snapshot: %w", err)
		}
		dateUndatedNotice(&s.Summary)
		g.version, g.epoch = snap.Version, snap.Epoch+1
	}
	g.conv = newConversation(s, func(seq int) ([]Message, error) {
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		defer cancel()
		b, err := g.d.Store.Buckets().Get(ctx, g.storage, seq)
		if errors.Is(err, persistence.ErrNotFound) {
			return nil, nil // a bucket the snapshot counts but never stored: start it empty
		}
		if err != nil {
			return nil, err
		}
		return decodeBucket(b)
	})
	// The buckets the activation warms, read together: on MongoDB two reads (the copies and
	// the manifest naming the committed ones) instead of two a bucket.
	g.conv.log.loadMany = func(from, to int) (map[int][]Message, error) {
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		defer cancel()
		bs, err := g.d.Store.Buckets().GetRange(ctx, g.storage, from, to)
		if err != nil {
			return nil, err
		}
		out := make(map[int][]Message, len(bs))
		for _, b := range bs {
			if out[b.Seq], err = decodeBucket(b); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	g.conv.heldOurs = heldOursLife(g.d.Outbound)
	return g.conv.log.warm()
}

// decodeBucket decodes a stored bucket's messages.
func decodeBucket(b persistence.Bucket) ([]Message, error) {
	var msgs []Message
	if err := unmarshal(b.Data, &msgs); err != nil {
		return nil, fmt.Errorf("decode bucket %d: %w", b.Seq, err)
	}
	return msgs, nil
}

// createsConversation reports whether msg may bring a new conversation into being: Meta's
// deliveries and the business's own sends; never reads or agent actions.
// placedAny reports whether any status was placed in this conversation by the outbox
// (StatusUpdate.Placed): one of our messages, which it holds if it does not have it.
func placedAny(sts []StatusUpdate) bool {
	for i := range sts {
		if sts[i].Placed {
			return true
		}
	}
	return false
}

// unplacedOf answers statuses a never-stored conversation leaves alone: those carrying
// callback data (every engine send carries its id) go back to the processor to place, the
// others are another app's and ignored.
func unplacedOf(sts []StatusUpdate) *DeliverResult {
	r := &DeliverResult{}
	for _, st := range sts {
		if st.CallbackData != "" && KnownStatus(st.Status) && st.WAMID != "" {
			r.Unplaced = append(r.Unplaced, st)
		} else {
			r.StatusesIgnored++
		}
	}
	return r
}

func createsConversation(msg any) bool {
	switch m := msg.(type) {
	case *Deliver, *RecordOutbound:
		return true
	case *OutboundResult:
		return m.Message != nil // the sender restoring a message the conversation lost
	}
	return false
}
