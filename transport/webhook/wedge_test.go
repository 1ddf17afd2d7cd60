package webhook

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/cluster"
	"github.com/switchboard/switchboard/persistence"
)

// failingStore is the real store whose conversation snapshot commits fail for the
// identities named in failing (a corrupt snapshot, a MongoDB bucket over 16 MB), or for every
// conversation while all is set (the store is down for writes).
type failingStore struct {
	persistence.Store
	mu      sync.Mutex
	failing map[string]bool
	all     bool
	refused map[string][]time.Time // identity → when its commits were refused
	read    map[string][]int       // conversation → the buckets read, in order
}

// bucketsRead is the seqs of the conversation's buckets read so far, in order.
func (s *failingStore) bucketsRead(conversation string) []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.read[conversation])
}

func (s *failingStore) Buckets() persistence.Buckets {
	return recordingBuckets{Buckets: s.Store.Buckets(), s: s}
}

// recordingBuckets records every bucket read (bucketsRead).
type recordingBuckets struct {
	persistence.Buckets
	s *failingStore
}

func (b recordingBuckets) Get(ctx context.Context, conversation string, seq int) (persistence.Bucket, error) {
	b.note(conversation, seq, seq+1)
	return b.Buckets.Get(ctx, conversation, seq)
}

// GetRange records the seqs of the range (an activation's warm).
func (b recordingBuckets) GetRange(ctx context.Context, conversation string, from, to int) ([]persistence.Bucket, error) {
	b.note(conversation, from, to)
	return b.Buckets.GetRange(ctx, conversation, from, to)
}

// note records a read of the seqs of [from, to).
func (b recordingBuckets) note(conversation string, from, to int) {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	if b.s.read == nil {
		b.s.read = map[string][]int{}
	}
	for seq := from; seq < to; seq++ {
		b.s.read[conversation] = append(b.s.read[conversation], seq)
	}
}

// refusedSince reports how many commits of identity were refused, and how many of them
// came at least d after the first.
func (s *failingStore) refusedSince(identity string, d time.Duration) (all, late int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	at := s.refused[identity]
	for _, t := range at {
		if t.Sub(at[0]) >= d {
			late++
		}
	}
	return len(at), late
}

func (s *failingStore) fail(identity string, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failing[identity] = on
}

func (s *failingStore) failAll(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.all = on
}

// fails reports whether a commit of identity fails now, and records the refusal.
func (s *failingStore) fails(identity string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.all && !s.failing[identity] {
		return false
	}
	if s.refused == nil {
		s.refused = map[string][]time.Time{}
	}
	s.refused[identity] = append(s.refused[identity], time.Now())
	return true
}

func (s *failingStore) Snapshots() persistence.Snapshots {
	return failingSnapshots{Snapshots: s.Store.Snapshots(), s: s}
}

type failingSnapshots struct {
	persistence.Snapshots
	s *failingStore
}

func (f failingSnapshots) Commit(ctx context.Context, snap persistence.Snapshot, buckets []persistence.Bucket) error {
	if snap.Kind == actors.KindConversation && f.s.fails(snap.Identity) {
		return fmt.Errorf("conversation %s cannot be written (the test's failure): %w", snap.Identity, persistence.ErrUnavailable)
	}
	return f.Snapshots.Commit(ctx, snap, buckets)
}

// wedgeRig is a processor over real grains on one real node, with tenants ta (number 111)
// and tb (number 222).
type wedgeRig struct {
	store  *failingStore
	node   *cluster.Node
	idle   time.Duration
	client *actors.Client
	p      *Processor
	stats  *Stats
	seq    int
}

func startWedgeRig(t *testing.T) *wedgeRig {
	t.Helper()
	return startWedgeRigOn(t, openStore(t), time.Minute)
}

// startWedgeRigOn is startWedgeRig over the given store, its grains passivating after idle.
func startWedgeRigOn(t *testing.T, emb persistence.Store, idle time.Duration) *wedgeRig {
	t.Helper()
	for _, tn := range []persistence.Tenant{wabaTenant("ta", "111", "", true), wabaTenant("tb", "222", "", true)} {
		if err := emb.Directory().CreateTenant(t.Context(), tn); err != nil {
			t.Fatal(err)
		}
	}
	r := &wedgeRig{store: &failingStore{Store: emb, failing: map[string]bool{}}, idle: idle, stats: &Stats{}}
	r.startNode(t)
	t.Cleanup(func() { r.node.Stop(context.Background()) })
	return r
}

// startNode starts the rig's node over its store, and a processor (not running) on it.
func (r *wedgeRig) startNode(t *testing.T) {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	// One node per test binary run at a time: protoactor's remote start writes gRPC's global
	// logger (Makefile), so this package starts its nodes from one test, one after another.
	node, err := cluster.Start(cluster.Options{ClusterName: "webhook-test", Addr: "127.0.0.1:0", Codec: actors.Codec(), Logger: log,
		Kinds: actors.Kinds(&actors.Deps{Store: r.store, Passivation: r.idle, Log: log})})
	if err != nil {
		t.Fatal(err)
	}
	r.node, r.client = node, actors.NewClient(node)
	r.p = NewProcessor(r.store, r.client, r.stats, log, 0)
}

// restart stops the processor and the node, every activation with it, and starts a new
// node and processor (not running) over the same store: what a restart after a crash
// finds, with no grain's memory left to stand in for what the store holds.
func (r *wedgeRig) restart(t *testing.T) {
	t.Helper()
	r.p.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r.node.Stop(ctx)
	r.startNode(t)
}

// post stores one webhook with one text message from waID to the tenant's number, as the
// edge does (announced, durable, then submitted: handler.receive).
func (r *wedgeRig) post(t *testing.T, phoneNumberID, waID, text string) {
	t.Helper()
	e := r.entry(phoneNumberID, waID, text)
	announced := r.p.Expect(e.ID)
	r.append(t, e)
	r.p.Submit(e, announced)
}

// store1 stores one webhook with one message from waID per text, without submitting it.
func (r *wedgeRig) store1(t *testing.T, phoneNumberID, waID string, texts ...string) {
	t.Helper()
	r.append(t, r.entry(phoneNumberID, waID, texts...))
}

// entry is the next webhook with one text message from waID per text.
func (r *wedgeRig) entry(phoneNumberID, waID string, texts ...string) persistence.InboxEntry {
	r.seq++
	msgs := make([]string, 0, len(texts))
	for i, text := range texts {
		msgs = append(msgs, `{"from":"`+waID+`","id":"wamid.`+waID+`.`+strconv.Itoa(r.seq)+`.`+strconv.Itoa(i)+
			`","timestamp":"1767225600","type":"text","text":{"body":"`+text+`"}}`)
	}
	body := `{"object":"whatsapp_business_account","entry":[{"id":"w1","changes":[{"field":"messages","value":{` +
		`"messaging_product":"whatsapp","metadata":{"phone_number_id":"` + phoneNumberID + `"},` +
		`"contacts":[{"profile":{"name":"u"},"wa_id":"` + waID + `"}],` +
		`"messages":[` + strings.Join(msgs, ",") + `]}}]}]}`
	return persistence.InboxEntry{ID: fmt.Sprintf("e%08d", r.seq), ReceivedAt: time.Now().UTC(), Body: []byte(body)}
}

func (r *wedgeRig) append(t *testing.T, e persistence.InboxEntry) {
	t.Helper()
	if err := r.store.Inbox().Append(t.Context(), []persistence.InboxEntry{e}); err != nil {
		t.Fatal(err)
	}
}

// texts is the conversation's message texts, oldest first.
func (r *wedgeRig) texts(t *testing.T, tenantID, waID string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out []string
	for n := 1; ; n++ {
		page, err := r.client.Messages(ctx, tenantID, waID, actors.ListMessages{Page: n, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		// Page 1 is the newest messages, each page oldest first.
		texts := make([]string, 0, len(page.Messages)+len(out))
		for _, m := range page.Messages {
			texts = append(texts, m.Text)
		}
		out = append(texts, out...)
		if len(page.Messages) == 0 || len(out) >= page.Total {
			return out
		}
	}
}

// waitFor polls cond for up to within.
func waitFor(within time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

func pendingCount(t *testing.T, store persistence.Store) int {
	t.Helper()
	page, err := store.Inbox().Pending(t.Context(), "", 10_000)
	if err != nil {
		t.Fatal(err)
	}
	return len(page)
}

// One conversation whose grain call fails every time (its store writes fail) must not stop
// the inbound traffic of everyone else. Before, its lane retried the call for ever, the 64
// jobs behind it filled the lane, and the dispatcher blocked on it: no other tenant's webhook
// was processed again. Now the entries its full lane cannot take stay in the inbox, the other
// tenant's are processed, and once the conversation recovers its entries are all stored, in
// the order they arrived.
func TestFailingConversationDoesNotStopOtherTenants(t *testing.T) {
	r := startWedgeRig(t)
	r.p.lanes.giveUpAfter = time.Hour // this test is about isolation, not about giving up
	r.p.Start()
	t.Cleanup(r.p.Stop)
	const badWaID = "5511900000001"
	r.store.fail(actors.ConversationIdentity("ta", badWaID), true)
	const badN = 2*laneDepth + 10
	for i := range badN {
		r.post(t, "111", badWaID, "bad-"+strconv.Itoa(i))
	}
	// The other tenant's users, on lanes other than the failing one.
	others := r.elsewhere(badWaID, 20)
	for _, waID := range others {
		r.post(t, "222", waID, "hello")
	}
	if !waitFor(15*time.Second, func() bool { return r.stats.Entries.Load() >= int64(len(others)) }) {
		t.Fatalf("tenant tb's %d webhooks stalled behind one failing conversation of ta: %d entries processed",
			len(others), r.stats.Entries.Load())
	}
	if r.stats.Spilled.Load() == 0 {
		t.Fatal("no entry was left in the inbox by the full lane: the test did not fill it")
	}
	for _, waID := range others {
		if got := r.texts(t, "tb", waID); len(got) != 1 || got[0] != "hello" {
			t.Fatalf("tb's conversation %s holds %v", waID, got)
		}
	}

	// The failing conversation recovers while its user keeps writing: every one of its
	// entries lands, in arrival order (a new one taken while its lane drains would overtake
	// the ones waiting in the inbox).
	r.store.fail(actors.ConversationIdentity("ta", badWaID), false)
	const lateN = 40
	for i := range lateN {
		r.post(t, "111", badWaID, "bad-"+strconv.Itoa(badN+i))
		time.Sleep(time.Millisecond)
	}
	if !waitFor(30*time.Second, func() bool { return pendingCount(t, r.store) == 0 }) {
		t.Fatalf("%d entries still pending after the conversation recovered", pendingCount(t, r.store))
	}
	got := r.texts(t, "ta", badWaID)
	if len(got) != badN+lateN {
		t.Fatalf("the recovered conversation holds %d messages, want %d", len(got), badN+lateN)
	}
	for i, text := range got {
		if want := "bad-" + strconv.Itoa(i); text != want {
			t.Fatalf("message %d is %q, want %q (order lost): %v", i, text, want, got)
		}
	}
}

// deadLetters is every stored dead letter.
func deadLetters(t *testing.T, store persistence.Store) []persistence.DeadLetter {
	t.Helper()
	letters, err := store.Inbox().DeadLetters(t.Context(), "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	return letters
}

// A delivery that keeps failing while other conversations' deliveries succeed (the store is
// healthy; this conversation cannot be written) is kept as a dead letter, logged and counted,
// once it has failed giveUpAttempts times over giveUpAfter: its entry is processed, and its
// lane — with every conversation hashed to it — moves on. Before, it was retried for ever.
func TestDeliveryFailingWhileOthersSucceedIsGivenUp(t *testing.T) {
	r := startWedgeRig(t)
	r.p.lanes.giveUpAfter, r.p.lanes.giveUpAttempts = 300*time.Millisecond, 3
	r.p.Start()
	t.Cleanup(r.p.Stop)
	const badWaID = "5511900000002"
	r.store.fail(actors.ConversationIdentity("ta", badWaID), true)
	for i := range 3 {
		r.post(t, "111", badWaID, "doomed-"+strconv.Itoa(i))
	}
	// Others keep arriving and succeeding meanwhile.
	meanwhile := r.elsewhere(badWaID, 1)[0]
	given := waitFor(20*time.Second, func() bool {
		r.post(t, "222", meanwhile, "meanwhile")
		time.Sleep(50 * time.Millisecond)
		return r.stats.GivenUp.Load() == 3
	})
	if !given {
		t.Fatalf("%d of 3 failing deliveries given up while others succeeded", r.stats.GivenUp.Load())
	}
	if !waitFor(10*time.Second, func() bool { return pendingCount(t, r.store) == 0 }) {
		t.Fatalf("%d entries pending after their deliveries were given up", pendingCount(t, r.store))
	}
	var kept int
	for _, l := range deadLetters(t, r.store) {
		if strings.Contains(l.Reason, "gave up after") && strings.Contains(l.Reason, badWaID) && strings.Contains(string(l.Payload), "doomed-") {
			kept++
		}
	}
	if kept != 3 {
		t.Fatalf("%d dead letters for the given-up deliveries, want 3: %+v", kept, deadLetters(t, r.store))
	}
	// The conversation recovers: its next message is stored (its lane moved on).
	r.recovers(t, badWaID)
}

// When every delivery fails (the store cannot take conversation writes at all), nothing is
// given up, however long it lasts: everything waits, and lands once the store is back.
func TestNothingIsGivenUpDuringAGeneralOutage(t *testing.T) {
	r := startWedgeRig(t)
	r.p.lanes.giveUpAfter, r.p.lanes.giveUpAttempts = 100*time.Millisecond, 2
	r.p.Start()
	t.Cleanup(r.p.Stop)
	r.store.failAll(true)
	users := []string{"447700900011", "447700900012", "447700900013"}
	for i := range 3 {
		for _, waID := range users {
			r.post(t, "222", waID, "m"+strconv.Itoa(i))
		}
	}
	// Past the give-up age and attempts: on every lane holding these conversations, the
	// delivery at its head has failed more than giveUpAttempts times, twice of them
	// giveUpAfter or more after its first failure (the lane decided on the first of those two
	// before it tried again), while no other delivery succeeded. A lane that were to give up
	// would have done so by then. (Conversations sharing a lane wait behind its head.)
	past := waitFor(20*time.Second, func() bool {
		byLane := map[int]bool{}
		for _, waID := range users {
			identity := actors.ConversationIdentity("tb", waID)
			all, late := r.store.refusedSince(identity, r.p.lanes.giveUpAfter)
			lane := r.p.lanes.index("conversation/" + identity)
			byLane[lane] = byLane[lane] || (all > r.p.lanes.giveUpAttempts && late >= 2)
		}
		for _, past := range byLane {
			if !past {
				return false
			}
		}
		return true
	})
	if !past {
		t.Fatal("the deliveries did not keep failing through the outage")
	}
	if n := r.stats.GivenUp.Load(); n != 0 {
		t.Fatalf("%d deliveries given up during a general outage", n)
	}
	if r.stats.Retries.Load() < 3 {
		t.Fatalf("%d retries: the deliveries did not fail as the outage should make them", r.stats.Retries.Load())
	}
	r.store.failAll(false)
	if !waitFor(20*time.Second, func() bool { return pendingCount(t, r.store) == 0 }) {
		t.Fatalf("%d entries pending after the outage", pendingCount(t, r.store))
	}
	if letters := deadLetters(t, r.store); len(letters) != 0 {
		t.Fatalf("dead letters after a general outage: %+v", letters)
	}
	for _, waID := range users {
		if got := r.texts(t, "tb", waID); len(got) != 3 || got[0] != "m0" || got[2] != "m2" {
			t.Fatalf("%s holds %v after the outage, want [m0 m1 m2]", waID, got)
		}
	}
}

// Once a conversation's call was given up, its next calls that fail too (it still cannot be
// written) are given up after a few attempts, not after giveUpAfter each: else a conversation
// that keeps receiving held its lane — and every conversation hashed to it — giveUpAfter per
// message, for ever. A call of it that succeeds ends that.
//
// Each call's own failing time (its dead letter's reason) tells the two apart, whatever the
// machine's speed: a call given up the slow way failed for giveUpAfter at least. The test
// once bounded the total instead (6 s for ten calls at a giveUpAfter of 1 s), which a slow
// machine broke with every call given up the quick way: a quick give-up waits for another
// call to succeed between two of its attempts, the "meanwhile" messages came only as fast
// as their inbox writes, and ten quick give-ups 400 ms apart (a slow disk) came to 7 s. A
// giveUpAfter of several seconds also keeps the key's memory of its last give-up alive
// however slow the machine.
func TestConversationGivenUpGivesUpItsNextFailuresSooner(t *testing.T) {
	r := startWedgeRig(t)
	r.p.lanes.giveUpAfter, r.p.lanes.giveUpAttempts = 5*time.Second, 3
	r.p.Start()
	t.Cleanup(r.p.Stop)
	const badWaID, doomed = "5511900000003", 10
	r.store.fail(actors.ConversationIdentity("ta", badWaID), true)
	for i := range doomed {
		r.post(t, "111", badWaID, "doomed-"+strconv.Itoa(i))
	}
	meanwhile := r.elsewhere(badWaID, 1)[0]
	given := waitFor(60*time.Second, func() bool {
		r.post(t, "222", meanwhile, "meanwhile")
		time.Sleep(20 * time.Millisecond)
		return r.stats.GivenUp.Load() == doomed
	})
	if !given {
		t.Fatalf("%d of %d failing deliveries given up", r.stats.GivenUp.Load(), doomed)
	}
	// One giveUpAfter for the first, a few quick attempts for each of the others.
	failing := map[string]time.Duration{} // text → how long its call failed before it was given up
	for _, l := range deadLetters(t, r.store) {
		for i := range doomed {
			if text := "doomed-" + strconv.Itoa(i); strings.Contains(string(l.Payload), `"`+text+`"`) {
				failing[text] = failingFor(t, l.Reason)
			}
		}
	}
	if len(failing) != doomed {
		t.Fatalf("%d dead letters for the %d given-up deliveries: %+v", len(failing), doomed, failing)
	}
	if d := failing["doomed-0"]; d < r.p.lanes.giveUpAfter {
		t.Fatalf("the first call was given up after failing for %s, before giveUpAfter %s", d, r.p.lanes.giveUpAfter)
	}
	for i := 1; i < doomed; i++ {
		if d := failing["doomed-"+strconv.Itoa(i)]; d >= r.p.lanes.giveUpAfter {
			t.Fatalf("call %d of the given-up conversation failed for %s before it was given up: it waited giveUpAfter (%s)",
				i, d, r.p.lanes.giveUpAfter)
		}
	}
	// It recovers: a call that succeeds ends the quick giving up.
	r.recovers(t, badWaID)
}

// failingFor is how long a given-up call had failed, as its dead letter's reason says
// (Processor.giveUp: "gave up after N attempts over D while ...", D rounded to the second).
func failingFor(t *testing.T, reason string) time.Duration {
	t.Helper()
	m := regexp.MustCompile(`gave up after \d+ attempts over (\S+) while`).FindStringSubmatch(reason)
	if m == nil {
		t.Fatalf("a dead letter's reason names no failing time: %s", reason)
	}
	d, err := time.ParseDuration(m[1])
	if err != nil {
		t.Fatalf("a dead letter's failing time %q: %v", m[1], err)
	}
	return d
}

// elsewhere returns n users of tenant tb whose conversations are on lanes other than ta's
// conversation with badWaID. The lanes hash with a seed of each run, so a fixed number shares
// that lane in some runs: its "meanwhile" messages then wait behind the failing ones, and
// nothing succeeds while they fail (a give-up test once saw none given up in 20 s).
func (r *wedgeRig) elsewhere(badWaID string, n int) []string {
	badLane := r.p.lanes.index("conversation/" + actors.ConversationIdentity("ta", badWaID))
	var out []string
	for i := 0; len(out) < n; i++ {
		waID := "4477000" + strconv.Itoa(100000+i)
		if r.p.lanes.index("conversation/"+actors.ConversationIdentity("tb", waID)) != badLane {
			out = append(out, waID)
		}
	}
	return out
}

// recovers lets ta's conversation with waID be written again, and checks that its next
// message is stored, alone: the ones given up are dead letters.
func (r *wedgeRig) recovers(t *testing.T, waID string) {
	t.Helper()
	r.store.fail(actors.ConversationIdentity("ta", waID), false)
	r.post(t, "111", waID, "back")
	if !waitFor(10*time.Second, func() bool { return pendingCount(t, r.store) == 0 }) {
		t.Fatal("the recovered conversation's new message is not processed")
	}
	if got := r.texts(t, "ta", waID); len(got) != 1 || got[0] != "back" {
		t.Fatalf("the recovered conversation holds %v, want [back]", got)
	}
}
