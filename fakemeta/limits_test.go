package fakemeta

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/departstamp"
	"github.com/switchboard/switchboard/transport/graph"
)

// sendTo sends one text to recipient and returns Meta's code (0 for accepted).
func sendTo(t *testing.T, c *graph.Client, recipient string) int {
	t.Helper()
	_, err := c.SendMessage(bg(), tokenA, pnA, text(recipient, "hi"))
	if err == nil {
		return 0
	}
	return asAPIError(t, err).Code
}

func recipient(i int) string { return fmt.Sprintf("+55119%08d", i) }

func TestThroughputLimit(t *testing.T) {
	clock := newFakeClock()
	s := startFake(t, Config{Throughput: 5, IgnoreWindow: true, Clock: clock.Now})
	c := clientFor(t, s)

	// At the limit: all accepted. One more within the same second: 130429.
	for i := range 5 {
		if code := sendTo(t, c, recipient(i)); code != 0 {
			t.Fatalf("send %d under the limit: %d", i, code)
		}
	}
	if code := sendTo(t, c, recipient(5)); code != 130429 {
		t.Fatalf("over the limit: %d", code)
	}
	// The window slides: 999 ms later the five still count; a full second later they do not.
	clock.Advance(999 * time.Millisecond)
	if code := sendTo(t, c, recipient(6)); code != 130429 {
		t.Fatalf("still inside the second: %d", code)
	}
	clock.Advance(time.Millisecond)
	if code := sendTo(t, c, recipient(7)); code != 0 {
		t.Fatalf("after the second: %d", code)
	}

	// Steadily below the limit (4 per second for 3 seconds): never refused.
	clock.Advance(time.Second)
	for i := range 12 {
		if code := sendTo(t, c, recipient(100+i)); code != 0 {
			t.Fatalf("below the limit, send %d: %d", i, code)
		}
		clock.Advance(250 * time.Millisecond)
	}

	// A number lifted to unlimited takes a burst.
	s.SetThroughput(pnA, 0)
	for i := range 50 {
		if code := sendTo(t, c, recipient(200+i)); code != 0 {
			t.Fatalf("unlimited: %d", code)
		}
	}
	st := s.Stats().Numbers[pnA]
	if st.Errors[130429] != 2 || st.Accepted != 5+1+12+50 {
		t.Fatalf("%+v", st)
	}
}

// The pair limit as Meta documents it (WHATSAPP.md §3): bursts are borrowed — each message
// owes one interval — so after a burst of 20 the user waits ~2 min, not one interval.
// Other recipients are never affected.
func TestPairLimit(t *testing.T) {
	type step struct {
		after time.Duration // clock advance before the sends
		n     int           // sends to the user
		code  int           // code of the last of them
	}
	cases := []struct {
		name  string
		burst int
		steps []step
	}{
		{"burst of 3, then the debt", 3, []step{{0, 3, 0}, {0, 1, 131056}, {17 * time.Second, 1, 131056}, {time.Second, 1, 0}}},
		{"burst of 20: ~2 min wait", 45, []step{{0, 20, 0}, {7 * time.Second, 1, 131056}, {112 * time.Second, 1, 131056}, {time.Second, 1, 0}}},
		{"one per interval is never refused", 45, []step{{0, 1, 0}, {6 * time.Second, 1, 0}, {6 * time.Second, 1, 0}, {6 * time.Second, 1, 0}}},
		{"45 in one interval, not 46", 45, []step{{0, 45, 0}, {5 * time.Second, 1, 131056}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clock := newFakeClock()
			s := startFake(t, Config{PairEvery: 6 * time.Second, PairBurst: tc.burst, IgnoreWindow: true, Clock: clock.Now,
				Statuses: StatusConfig{Disabled: true}})
			c := clientFor(t, s)
			for i, st := range tc.steps {
				clock.Advance(st.after)
				code := 0
				for range st.n {
					code = sendTo(t, c, user)
				}
				if code != st.code {
					t.Fatalf("step %d: code %d, want %d", i, code, st.code)
				}
				if code := sendTo(t, c, recipient(i)); code != 0 {
					t.Fatalf("step %d: another recipient refused: %d", i, code)
				}
			}
		})
	}
}

// A refused send is classed as Meta's pair limit.
func TestPairLimitClass(t *testing.T) {
	s := startFake(t, Config{PairEvery: 6 * time.Second, PairBurst: 1, IgnoreWindow: true, Statuses: StatusConfig{Disabled: true}})
	c := clientFor(t, s)
	sendTo(t, c, user)
	if _, err := c.SendMessage(bg(), tokenA, pnA, text(user, "hi")); graph.ClassOf(err) != graph.RetryPair {
		t.Fatalf("%v", err)
	}
}

// Per-recipient state is forgotten once it no longer matters — pair debts once paid,
// windows after 24 h, profile names after 30 days — so a number keeps its recent
// recipients, not every one it ever saw.
func TestPerRecipientStateIsForgotten(t *testing.T) {
	cases := []struct {
		silence                  time.Duration
		pairs, windows, profiles int
	}{
		{time.Second, 301, 300, 300},
		{time.Hour, 1, 300, 300},
		{25 * time.Hour, 1, 0, 300},
		{31 * 24 * time.Hour, 1, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.silence.String(), func(t *testing.T) {
			clock := newFakeClock()
			s := startFake(t, Config{PairEvery: 6 * time.Second, PairBurst: 45, Clock: clock.Now, Statuses: StatusConfig{Disabled: true}})
			c := clientFor(t, s)
			for i := range 300 {
				_, _ = s.SendInbound(bg(), pnA, recipient(i), "User", "oi") // no callback: the state is what counts
				sendTo(t, c, recipient(i))
			}
			clock.Advance(tc.silence)
			sendTo(t, c, recipient(100000))
			n := s.number(pnA)
			n.mu.Lock()
			defer n.mu.Unlock()
			if len(n.pairs) != tc.pairs || len(n.windows) != tc.windows || len(n.profiles) != tc.profiles {
				t.Fatalf("pairs %d windows %d profiles %d, want %d %d %d", len(n.pairs), len(n.windows), len(n.profiles), tc.pairs, tc.windows, tc.profiles)
			}
		})
	}
}

// The default configuration is Meta's: 45 to one user in a burst, then 131056.
func TestDefaultPairBurst(t *testing.T) {
	clock := newFakeClock()
	cfg := DefaultConfig()
	cfg.Clock, cfg.Statuses = clock.Now, StatusConfig{Disabled: true}
	cfg.Throughput = 0
	cfg.IgnoreWindow = true
	s := startFake(t, cfg)
	c := clientFor(t, s)
	for i := range DefaultPairBurst {
		if code := sendTo(t, c, user); code != 0 {
			t.Fatalf("burst %d: %d", i, code)
		}
	}
	if code := sendTo(t, c, user); code != 131056 {
		t.Fatalf("46th: %d", code)
	}
}

func TestMaxPerSecond(t *testing.T) {
	clock := newFakeClock()
	s := startFake(t, Config{IgnoreWindow: true, Clock: clock.Now})
	c := clientFor(t, s)
	burst := func(n, from int) {
		for i := range n {
			if code := sendTo(t, c, recipient(from+i)); code != 0 {
				t.Fatal(code)
			}
		}
	}
	burst(5, 0) // t=0
	clock.Advance(500 * time.Millisecond)
	burst(3, 10) // t=0.5: 8 within one second
	clock.Advance(700 * time.Millisecond)
	burst(4, 20) // t=1.2: the first 5 left the window, 3+4 = 7
	if got := s.Stats().Numbers[pnA].MaxPerSecond; got != 8 {
		t.Fatalf("max per second %d, want 8", got)
	}
	clock.Advance(300 * time.Millisecond)
	burst(2, 30) // t=1.5: the 3 from t=0.5 just left (≥1 s): 4+2 = 6
	if got := s.Stats().Numbers[pnA].MaxPerSecond; got != 8 {
		t.Fatalf("max per second %d, want 8", got)
	}
	burst(3, 40) // still t=1.5: 4+2+3 = 9
	if got := s.Stats().Numbers[pnA].MaxPerSecond; got != 9 {
		t.Fatalf("max per second %d, want 9", got)
	}
}

func TestWindowClosedFailsAsync(t *testing.T) {
	clock := newFakeClock()
	sk := startSink(t)
	s := startFake(t, Config{CallbackURL: sk.url, Clock: clock.Now})
	fixtureTemplates(s, wabaA)
	c := clientFor(t, s)

	// Never wrote: the free-form send is accepted (200 + wamid) and fails by webhook.
	r, err := c.SendMessage(bg(), tokenA, pnA, text(user, "hello?").WithCallbackData("outbox=1"))
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "failed status", func() bool { return len(sk.statusesOf(r.WAMID())) > 0 })
	statuses, _, _ := sk.snapshot()
	st := statuses[0]
	if st.Status != graph.StatusFailed || len(st.Errors) != 1 || st.Errors[0].Code != 131047 || st.BizOpaqueCallbackData != "outbox=1" || st.Pricing != nil {
		t.Fatalf("%+v", st)
	}
	if st.Errors[0].Title != "Re-engagement message" || st.Errors[0].ErrorData.Details == "" {
		t.Fatalf("%+v", st.Errors[0])
	}

	// A template outside the window is fine.
	r2, err := c.SendMessage(bg(), tokenA, pnA, graph.NewMessage(user).WithTemplate(loginCode("1")))
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "template statuses", func() bool { return len(sk.statusesOf(r2.WAMID())) == 3 })

	// The user writes: free-form works for 24 h, then fails again.
	if _, err := s.SendInbound(bg(), pnA, userWaID, "Ana", "oi"); err != nil {
		t.Fatal(err)
	}
	r3, err := c.SendMessage(bg(), tokenA, pnA, text(user, "inside"))
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "delivered statuses", func() bool { return len(sk.statusesOf(r3.WAMID())) == 3 })
	clock.Advance(24*time.Hour + time.Second)
	if _, err := c.SendMessage(bg(), tokenA, pnA, text(user, "too late")); err != nil {
		t.Fatal(err)
	}
	var codes []int
	for _, m := range s.Sent(pnA) {
		codes = append(codes, m.AsyncErrorCode)
	}
	if fmt.Sprint(codes) != "[131047 0 0 131047]" {
		t.Fatalf("async codes %v", codes)
	}
	if n := s.Stats().Numbers[pnA].AsyncFailures[131047]; n != 2 {
		t.Fatalf("%d", n)
	}
}

// The busiest second counts what the sender offered, refused sends too (the pacing bench
// fails on it), and a reset between bench phases forgets it without freeing the limiter.
func TestBusiestSecondCountsRefusedSends(t *testing.T) {
	clock := newFakeClock()
	s := startFake(t, Config{IgnoreWindow: true, Clock: clock.Now})
	s.SetThroughput(pnA, 5)
	c := clientFor(t, s)
	throttled := 0
	for i := range 8 {
		if code := sendTo(t, c, recipient(i)); code == 130429 {
			throttled++
		}
	}
	st := s.Stats().Numbers[pnA]
	if throttled != 3 || st.MaxPerSecond != 5 || st.MaxSendsPerSecond != 8 {
		t.Fatalf("8 sends at once to a 5/s number: %d throttled, busiest second %d accepted of %d sent; want 3, 5 of 8",
			throttled, st.MaxPerSecond, st.MaxSendsPerSecond)
	}

	s.ResetStats()
	if code := sendTo(t, c, recipient(20)); code != 130429 {
		t.Fatalf("send in the same second after a reset: code %d, want 130429 (the limiter keeps its second)", code)
	}
	if st := s.Stats().Numbers[pnA]; st.MaxPerSecond != 0 || st.MaxSendsPerSecond != 1 {
		t.Fatalf("after a reset and a refused send: busiest second %d accepted of %d sent, want 0 of 1", st.MaxPerSecond, st.MaxSendsPerSecond)
	}
	clock.Advance(time.Second)
	if code := sendTo(t, c, recipient(21)); code != 0 {
		t.Fatalf("send a second later: code %d", code)
	}
	if st := s.Stats().Numbers[pnA]; st.MaxPerSecond != 1 || st.MaxSendsPerSecond != 1 {
		t.Fatalf("a second later: busiest second %d accepted of %d sent, want 1 of 1", st.MaxPerSecond, st.MaxSendsPerSecond)
	}
}

// The busiest second counts every send request, whatever refused it: the token (190), the
// registration (133010), the body (100) or the limits; mark-reads are not sends.
func TestBusiestSecondCountsEveryRefusal(t *testing.T) {
	cases := []struct {
		name  string
		setup func(s *Server)
		body  string
		want  int
	}{
		{"expired token: 190", func(s *Server) { s.ExpireToken(tokenA) }, `{"messaging_product":"whatsapp","to":"+5511987654321","type":"text","text":{"body":"hi"}}`, 1},
		{"unregistered: 133010", func(s *Server) { s.Deregister(pnA) }, `{"messaging_product":"whatsapp","to":"+5511987654321","type":"text","text":{"body":"hi"}}`, 1},
		{"invalid body: 100", func(*Server) {}, `{"messaging_product":"whatsapp","to":`, 1},
		{"mark read is not a send", func(*Server) {}, `{"messaging_product":"whatsapp","status":"read","message_id":"wamid.x"}`, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := startFake(t, Config{IgnoreWindow: true})
			tc.setup(s)
			if st, _ := raw(t, "POST", s.URL()+"/v24.0/"+pnA+"/messages", tokenA, []byte(tc.body)); st == 200 && tc.want == 1 {
				t.Fatal("accepted")
			}
			if st := s.Stats().Numbers[pnA]; st.Requests != 1 || st.MaxSendsPerSecond != tc.want {
				t.Fatalf("requests %d, busiest second %d sends, want %d", st.Requests, st.MaxSendsPerSecond, tc.want)
			}
		})
	}
}

// Latency delays the answer only: the request is counted and limited when it arrives.
func TestLatencyDelaysOnlyTheAnswer(t *testing.T) {
	const latency = 500 * time.Millisecond
	s := startFake(t, Config{IgnoreWindow: true, Latency: latency, Statuses: StatusConfig{Disabled: true}})
	c := clientFor(t, s)
	start := time.Now()
	answered := make(chan int, 1)
	go func() { answered <- sendTo(t, c, user) }()
	eventually(t, "the send counted", func() bool { return s.Stats().Numbers[pnA].Accepted == 1 })
	select {
	case <-answered:
		t.Fatal("answered before the send was counted plus the latency")
	default:
	}
	if code := <-answered; code != 0 || time.Since(start) < latency {
		t.Fatalf("code %d after %s", code, time.Since(start))
	}
}

// The busiest second keeps its own requests — arrival, the departure the engine's Graph
// client stamped from the context, our message id — so a second above a number's rate says
// whether its requests left too close together or waited on their way; a later, quieter
// second does not replace them, and a reset forgets them.
func TestBusiestSecondKeepsItsRequests(t *testing.T) {
	clock := newFakeClock()
	s := startFake(t, Config{IgnoreWindow: true, Clock: clock.Now, Statuses: StatusConfig{Disabled: true}})
	c := clientFor(t, s)
	send := func(id string, departed time.Time) {
		t.Helper()
		req := text("+5511987654321", "hi")
		req.BizOpaqueCallbackData = id
		ctx := bg()
		if !departed.IsZero() {
			ctx = departstamp.With(ctx, departed)
		}
		if _, err := c.SendMessage(ctx, tokenA, pnA, req); err != nil {
			t.Fatal(err)
		}
	}
	left := time.Date(2026, 1, 1, 11, 59, 59, 0, time.UTC)
	send("m1", left)
	clock.Advance(400 * time.Millisecond)
	send("m2", left.Add(300*time.Millisecond))
	send("m3", time.Time{}) // unstamped: a client that is not the engine's
	clock.Advance(2 * time.Second)
	send("m4", left.Add(2*time.Second))

	st, worst := s.Stats().Numbers[pnA], s.BusiestSends(pnA)
	for i := range worst {
		// The client's first request opened its connection, the next ones reused it.
		if a := worst[i]; a.OnConn != uint64(i+1) {
			t.Fatalf("request %d: number %d on its connection; want %d", i, a.OnConn, i+1)
		}
		worst[i].OnConn = 0
	}
	want := []Arrival{
		{At: clock.Now().Add(-2400 * time.Millisecond), Departed: left, Message: "m1"},
		{At: clock.Now().Add(-2 * time.Second), Departed: left.Add(300 * time.Millisecond), Message: "m2"},
		{At: clock.Now().Add(-2 * time.Second), Message: "m3"},
	}
	if st.MaxSendsPerSecond != 3 || fmt.Sprint(worst) != fmt.Sprint(want) {
		t.Fatalf("busiest second %d: %v\nwant 3: %v", st.MaxSendsPerSecond, worst, want)
	}
	if got := worst[0].Transit(); got != time.Second {
		t.Fatalf("m1's transit %v, want 1s (left 11:59:59, arrived 12:00:00)", got)
	}
	if got := worst[2].Transit(); got != 0 {
		t.Fatalf("an unstamped request's transit %v, want 0", got)
	}
	// Over HTTP the stats carry them; in process Stats leaves them out (it is polled).
	_, body := raw(t, "GET", s.URL()+"/_fakemeta/stats", "", nil)
	var over Stats
	if err := json.Unmarshal(body, &over); err != nil || len(over.Numbers[pnA].BusiestSends) != 3 || over.Numbers[pnA].BusiestSends[1].Message != "m2" {
		t.Fatalf("GET /_fakemeta/stats: %v, %s", err, body)
	}
	if len(st.BusiestSends) != 0 {
		t.Fatalf("Stats copied the busiest second: %v", st.BusiestSends)
	}
	s.ResetStats()
	if st := s.Stats().Numbers[pnA]; st.MaxSendsPerSecond != 0 || len(s.BusiestSends(pnA)) != 0 {
		t.Fatalf("after a reset: busiest second %d with %v", st.MaxSendsPerSecond, s.BusiestSends(pnA))
	}
}

// The busiest span's requests survive the window's compactions (thousands of later, quieter
// requests), and a busier span later replaces them.
func TestBusiestSecondOutlivesCompaction(t *testing.T) {
	var b busiestSecond
	at := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	add := func(n int, every time.Duration, name string) {
		for i := range n {
			at = at.Add(every)
			b.add(Arrival{At: at, Message: fmt.Sprintf("%s%d", name, i)})
		}
	}
	span := func() string {
		got := b.requests()
		return fmt.Sprintf("%d: %s..%s", len(got), got[0].Message, got[len(got)-1].Message)
	}
	add(150, time.Millisecond, "burst")
	at = at.Add(time.Second)
	add(5000, 20*time.Millisecond, "steady") // 50 a second; the buffer compacts a few times
	if b.w.dropped == 0 {
		t.Fatal("the window never compacted: the test proves nothing")
	}
	if got := span(); b.max != 150 || got != "150: burst0..burst149" {
		t.Fatalf("busiest %d, span %s; want 150: burst0..burst149", b.max, got)
	}
	add(200, time.Microsecond, "later")
	if got := span(); b.max != 250 || got != "250: steady4950..later199" {
		t.Fatalf("busiest %d, span %s; want 250: steady4950..later199", b.max, got)
	}
}

// The busiest second counts requests by when they arrived, whatever order their handlers
// record them in: a request whose handler waited (bench pacing saw 63 ms) is placed among the
// ones that arrived around it, and the seconds it belongs to are counted again.
func TestBusiestSecondCountsLateRecordsByArrival(t *testing.T) {
	ms := func(n int) time.Time { return time.Unix(0, 0).Add(time.Duration(n) * time.Millisecond) }
	for _, tc := range []struct {
		name     string
		arrivals []int // in the order add sees them, ms
		max      int
		busiest  []int // the busiest second's arrivals, ms
	}{
		{name: "in order", arrivals: []int{0, 400, 1300}, max: 2, busiest: []int{0, 400}},
		{name: "a second apart is two seconds", arrivals: []int{0, 1000}, max: 1, busiest: []int{0}},
		{name: "late, in an earlier second", arrivals: []int{0, 400, 1300, 250}, max: 3, busiest: []int{0, 250, 400}},
		{name: "late, in the latest second", arrivals: []int{0, 500, 1300, 1250}, max: 3, busiest: []int{500, 1250, 1300}},
		{name: "late, before the busiest span", arrivals: []int{0, 2000, 2100, 2200, 1500}, max: 4, busiest: []int{1500, 2000, 2100, 2200}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b busiestSecond
			for _, a := range tc.arrivals {
				b.add(Arrival{At: ms(a)})
			}
			var got []int
			for _, r := range b.requests() {
				got = append(got, int(r.At.Sub(ms(0))/time.Millisecond))
			}
			if b.max != tc.max || !slices.Equal(got, tc.busiest) {
				t.Fatalf("busiest second %d %v, want %d %v", b.max, got, tc.max, tc.busiest)
			}
		})
	}
}

// Both forms of a Brazilian or Mexican mobile are one user to Meta (WHATSAPP.md §2): a reply
// to either form is inside the window the user's message opened under the other, with
// RewriteWaIDs (Meta answering in the other form) or without, and both forms share one pair
// limit (review C #4).
func TestBothFormsOfANumberAreOneUser(t *testing.T) {
	cases := []struct {
		name     string
		rewrite  bool
		wroteAs  string // the user's wa_id in their message
		replyTo  string
		wantCode int // the reply's async code
	}{
		{"rewritten reply to a Brazilian mobile", true, "5511987654321", "+5511987654321", 0},
		{"rewritten reply to a Brazilian who wrote without the 9", true, "551187654321", "+5511987654321", 0},
		{"reply to the other form, not rewritten", false, "551187654321", "+5511987654321", 0},
		{"rewritten reply to a Mexican mobile", true, "5215512345678", "+525512345678", 0},
		{"reply to the old Mexican form, not rewritten", false, "525512345678", "+5215512345678", 0},
		{"another user is outside the window", true, "5511987654321", "+5511976543210", 131047},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := startFake(t, Config{RewriteWaIDs: tc.rewrite, Statuses: StatusConfig{Disabled: true}})
			_, _ = s.SendInbound(bg(), pnA, tc.wroteAs, "Ana", "oi") // no callback: the window is what counts
			if _, err := clientFor(t, s).SendMessage(bg(), tokenA, pnA, text(tc.replyTo, "resposta")); err != nil {
				t.Fatal(err)
			}
			if sent := s.Sent(pnA); len(sent) != 1 || sent[0].AsyncErrorCode != tc.wantCode {
				t.Fatalf("%+v, want async code %d", sent, tc.wantCode)
			}
		})
	}
	t.Run("one pair limit for both forms", func(t *testing.T) {
		s := startFake(t, Config{PairEvery: 6 * time.Second, PairBurst: 2, IgnoreWindow: true, Clock: newFakeClock().Now,
			Statuses: StatusConfig{Disabled: true}})
		c := clientFor(t, s)
		for i, to := range []string{"+5511987654321", "+551187654321"} {
			if code := sendTo(t, c, to); code != 0 {
				t.Fatalf("send %d: %d", i, code)
			}
		}
		if code := sendTo(t, c, "+5511987654321"); code != 131056 {
			t.Fatalf("third send to the same user in one interval: %d, want 131056", code)
		}
	})
}
