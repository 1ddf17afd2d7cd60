package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	json "github.com/goccy/go-json"
	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/persistence"
	"github.com/switchboard/switchboard/transport/graph"
	"github.com/switchboard/switchboard/transport/webhook"
)

// WebhookIngest is the inbound scenario: signed, unique inbound texts spread over many
// tenants and conversations, posted on loopback first at a fixed rate (ack latency), then by
// closed-loop clients (throughput).
type WebhookIngest struct {
	// AckRate is the fixed webhook rate of the ack-latency phase (0 skips it), run for
	// AckRateDuration before the closed loop (ack_rate.go says why both).
	AckRate            int
	AckRateDuration    time.Duration
	Duration           time.Duration // closed-loop load time against the engine
	CeilingDuration    time.Duration // load time against the bare fasthttp handler
	Concurrency        int           // closed-loop clients
	Tenants            int
	Conversations      int // per tenant
	MessagesPerRequest int // messages in one webhook body (Meta batches)
	DrainTimeout       time.Duration
	// AckOnly stores webhooks without processing them (WEBHOOK_PROCESS=false), to measure
	// the ack path alone; processed-message figures are then skipped.
	AckOnly bool
}

// DefaultWebhookIngest is the configuration the README's results use.
func DefaultWebhookIngest() WebhookIngest {
	return WebhookIngest{AckRate: 5000, AckRateDuration: 10 * time.Second,
		Duration: 10 * time.Second, CeilingDuration: 5 * time.Second, Concurrency: 64,
		Tenants: 20, Conversations: 50, MessagesPerRequest: 1, DrainTimeout: 2 * time.Minute}
}

// IngestReport is what the scenario measured.
type IngestReport struct {
	Machine          string
	CeilingPerSecond float64
	AcksAtRate       loadResult // the fixed-rate phase's
	Acks             loadResult // the closed loop's, at saturation
	AckPerSecond     float64
	AckOfCeiling     float64
	Messages         int64 // acknowledged in the run, both phases
	ProcessedPerSec  float64
	DrainAfterLoad   time.Duration
	Visible          int64
}

// Run executes the scenario and checks it: every acknowledged message must end up stored
// and visible through the read API, exactly once. Its figures are printed only once every
// check has passed.
func (s WebhookIngest) Run(ctx context.Context, out io.Writer) (IngestReport, error) {
	rep := IngestReport{Machine: Machine()}
	fixed := ""
	if s.AckRate > 0 {
		fixed = fmt.Sprintf("%d webhooks/s for %s, then ", s.AckRate, s.AckRateDuration)
	}
	fmt.Fprintf(out, "webhook-ingest: %d clients, %d tenants × %d conversations, %d message(s)/webhook, %s%s closed-loop load\nmachine: %s\n",
		s.Concurrency, s.Tenants, s.Conversations, s.MessagesPerRequest, fixed, s.Duration, rep.Machine)
	if err := printIfValid(out, alongsideOtherWork("", func(figures io.Writer) error { return s.run(ctx, figures, &rep) })); err != nil {
		return IngestReport{}, err // an invalid run's figures are no result, here either
	}
	return rep, nil
}

// run measures into rep, writing the figures to out, and checks them.
func (s WebhookIngest) run(ctx context.Context, out io.Writer, rep *IngestReport) error {
	ceiling, err := s.ceiling(ctx)
	if err != nil {
		return err
	}
	rep.CeilingPerSecond = ceiling.PerSecond()
	fmt.Fprintf(out, "  bare fasthttp ceiling   %9.0f req/s   p50 %v  p99 %v\n", rep.CeilingPerSecond, ceiling.P50, ceiling.P99)

	dir, err := os.MkdirTemp("", "switchboard-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	extra := map[string]string{}
	if s.AckOnly {
		extra["WEBHOOK_PROCESS"] = "false"
	}
	e, err := startNode(ctx, dir, extra)
	if err != nil {
		return err
	}
	defer stopNode(e)
	phones, err := s.tenants(ctx, e)
	if err != nil {
		return err
	}

	url := "http://" + e.Addr() + "/api/v1/webhook"
	var seq atomic.Int64 // one sequence over both phases: every message id is unique
	post := func(w, i int, req *fasthttp.Request) {
		n := seq.Add(1)
		tenant := int(n) % s.Tenants
		user := int(n/int64(s.Tenants)) % s.Conversations
		signedPost(req, inboundBody(phones[tenant], fmt.Sprintf("55%011d", user), n, s.MessagesPerRequest))
	}
	stats := e.WebhookStats()
	var earlier int64 // webhooks of the fixed-rate phase
	if s.AckRate > 0 {
		if earlier, err = s.acksAtRate(ctx, url, post, stats, rep, out); err != nil {
			return err
		}
	}

	start := time.Now()
	rep.Acks = runLoad(ctx, url, s.Concurrency, s.Duration, post)
	if rep.Acks.Failures > 0 {
		return fmt.Errorf("bench: %d webhooks not acknowledged (first: %s)", rep.Acks.Failures, rep.Acks.FirstFail)
	}
	rep.AckPerSecond = rep.Acks.PerSecond()
	rep.AckOfCeiling = rep.AckPerSecond / rep.CeilingPerSecond
	closedLoop := rep.Acks.Requests * int64(s.MessagesPerRequest)
	rep.Messages = (earlier + rep.Acks.Requests) * int64(s.MessagesPerRequest)
	fmt.Fprintf(out, "  webhooks acknowledged   %9.0f req/s   %.0f%% of ceiling   at saturation, %d clients: p50 %v  p99 %v  p999 %v\n",
		rep.AckPerSecond, 100*rep.AckOfCeiling, s.Concurrency, rep.Acks.P50, rep.Acks.P99, rep.Acks.P999)

	if s.AckOnly {
		webhooks := earlier + rep.Acks.Requests
		stored, distinct, err := inboxEntries(ctx, e)
		if err != nil {
			return err
		}
		if err := inboxHoldsEveryAck(webhooks, stored, distinct); err != nil {
			return err
		}
		fmt.Fprintf(out, "  webhooks stored          all %d webhooks of the run stored in the inbox exactly once (not processed: --ack-only)\n", webhooks)
		return nil
	}
	loadEnd := time.Now()
	if err := s.awaitProcessed(stats, earlier+rep.Acks.Requests); err != nil {
		return err
	}
	done := time.Now()
	rep.DrainAfterLoad = done.Sub(loadEnd)
	rep.ProcessedPerSec = float64(closedLoop) / done.Sub(start).Seconds()
	if rep.Visible, err = visibleMessages(ctx, e, s.Tenants); err != nil {
		return err
	}
	// Every message unique, so each must be stored exactly once. Duplicate deliveries are
	// allowed: when the live queue overflows, replay from the store re-dispatches entries
	// and grains dedupe them (reported, not failed).
	if rep.Visible != rep.Messages || stats.DeadLetters.Load() != 0 {
		return fmt.Errorf("bench: %d messages acknowledged but %d visible (%d dead letters)",
			rep.Messages, rep.Visible, stats.DeadLetters.Load())
	}
	fmt.Fprintf(out, "  messages processed      %9.0f msg/s   %d messages in the closed loop; all %d of the run visible via GET /conversations exactly once; drained %v after load (%d re-dispatched and deduped)\n",
		rep.ProcessedPerSec, closedLoop, rep.Messages, rep.DrainAfterLoad.Round(time.Millisecond), stats.Duplicates.Load())
	return nil
}

// awaitProcessed waits until the engine has processed the first `webhooks` webhooks it
// acknowledged and their messages, or DrainTimeout passes.
func (s WebhookIngest) awaitProcessed(stats *webhook.Stats, webhooks int64) error {
	messages := webhooks * int64(s.MessagesPerRequest)
	deadline := time.Now().Add(s.DrainTimeout)
	for stats.Messages.Load() < messages || stats.Entries.Load() < webhooks {
		if time.Now().After(deadline) {
			return fmt.Errorf("bench: only %d of %d messages processed within %s", stats.Messages.Load(), messages, s.DrainTimeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return nil
}

// ceiling measures a bare fasthttp handler that answers 200 to the same requests.
func (s WebhookIngest) ceiling(ctx context.Context) (loadResult, error) {
	var seq atomic.Int64
	return bareCeiling(ctx, "/", s.Concurrency, s.CeilingDuration, fasthttp.StatusOK, func(w, i int, req *fasthttp.Request) {
		n := seq.Add(1)
		signedPost(req, inboundBody("100000000000000", fmt.Sprintf("55%011d", n%1000), n, s.MessagesPerRequest))
	})
}

// signedPost makes req the POST Meta would send with body, signed with the app secret.
func signedPost(req *fasthttp.Request, body []byte) {
	req.Header.SetMethod("POST")
	req.Header.SetContentType("application/json")
	req.Header.Set(graph.SignatureHeader, graph.SignatureValue(benchSecret, body))
	req.SetBodyRaw(body)
}

// tenants creates the scenario's tenants and returns their phone number ids.
func (s WebhookIngest) tenants(ctx context.Context, e *engine.Engine) ([]string, error) {
	now := time.Now().UTC()
	phones := make([]string, s.Tenants)
	for i := range s.Tenants {
		phones[i] = fmt.Sprintf("1%014d", i)
		t := persistence.Tenant{ID: fmt.Sprintf("%024x", i+1), Name: fmt.Sprintf("Bench %d", i), Active: true,
			PhoneNumberID: phones[i], WABAID: fmt.Sprintf("2%014d", i), CreatedAt: now, UpdatedAt: now}
		if err := e.Store().Directory().CreateTenant(ctx, t); err != nil && !errors.Is(err, persistence.ErrConflict) {
			return nil, fmt.Errorf("bench: create tenant: %w", err)
		}
	}
	return phones, nil
}

// visibleMessages sums messageCount over every conversation the read path lists.
func visibleMessages(ctx context.Context, e *engine.Engine, tenants int) (int64, error) {
	var total int64
	for i := range tenants {
		for p := 1; ; p++ {
			page, err := e.Actors().Conversations(ctx, fmt.Sprintf("%024x", i+1), &actors.QueryConversations{Page: p, Limit: 100})
			if err != nil {
				return 0, err
			}
			for _, c := range page.Items {
				total += int64(c.MessageCount)
			}
			if p*100 >= page.Total {
				break
			}
		}
	}
	return total, nil
}

// inboundBody is one signed-ready webhook with k unique text messages from one user.
func inboundBody(phoneNumberID, waID string, n int64, k int) []byte {
	type text struct {
		Body string `json:"body"`
	}
	type msg struct {
		From      string `json:"from"`
		ID        string `json:"id"`
		Timestamp string `json:"timestamp"`
		Type      string `json:"type"`
		Text      text   `json:"text"`
	}
	ts := fmt.Sprint(time.Now().Unix())
	msgs := make([]msg, k)
	for j := range msgs {
		msgs[j] = msg{From: waID, ID: fmt.Sprintf("wamid.bench.%d.%d", n, j), Timestamp: ts, Type: "text",
			Text: text{Body: fmt.Sprintf("Olá! Mensagem de teste número %d.%d — quero saber do meu pedido.", n, j)}}
	}
	w := map[string]any{"object": "whatsapp_business_account", "entry": []any{map[string]any{
		"id": "104996122399160", "changes": []any{map[string]any{"field": "messages", "value": map[string]any{
			"messaging_product": "whatsapp",
			"metadata":          map[string]string{"display_phone_number": "15550123456", "phone_number_id": phoneNumberID},
			"contacts":          []any{map[string]any{"profile": map[string]string{"name": "Cliente " + waID}, "wa_id": waID}},
			"messages":          msgs,
		}}}}}}
	b, _ := json.Marshal(w)
	return b
}

// inboxEntries counts the webhooks stored and not processed (all of them with AckOnly), and
// how many distinct webhooks they are: each of the run's bodies carries unique message ids
// (inboundBody), so a body stored twice has its first id seen before.
func inboxEntries(ctx context.Context, e *engine.Engine) (stored, distinct int64, err error) {
	seen := map[string]bool{}
	after := ""
	for {
		page, err := e.Store().Inbox().Pending(ctx, after, 1000)
		if err != nil {
			return 0, 0, fmt.Errorf("bench: count the inbox: %w", err)
		}
		if len(page) == 0 {
			return stored, int64(len(seen)), nil
		}
		for _, entry := range page {
			stored++
			seen[firstMessageID(entry.Body)] = true
		}
		after = page[len(page)-1].ID
	}
}

// firstMessageID is the first "wamid.bench." id in a bench webhook body ("" if none).
func firstMessageID(body []byte) string {
	const prefix = "wamid.bench."
	i := bytes.Index(body, []byte(prefix))
	if i < 0 {
		return ""
	}
	end := bytes.IndexByte(body[i:], '"')
	if end < 0 {
		return ""
	}
	return string(body[i : i+end])
}

// inboxHoldsEveryAck is an ack-only run's check: every webhook acknowledged is stored, once
// (an ack is a promise that the webhook survives; a second copy would be processed twice).
func inboxHoldsEveryAck(acked, stored, distinct int64) error {
	if stored != acked || distinct != acked {
		return fmt.Errorf("bench: %d webhooks acknowledged but %d stored in the inbox, %d of them distinct", acked, stored, distinct)
	}
	return nil
}
