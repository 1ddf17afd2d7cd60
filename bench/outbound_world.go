package bench

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	json "github.com/goccy/go-json"
	"github.com/valyala/fasthttp"
	"golang.org/x/sys/unix"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/fakemeta"
	"github.com/switchboard/switchboard/persistence"
	"github.com/switchboard/switchboard/transport/graph"
	"github.com/switchboard/switchboard/vault"
)

// benchEncryptionKey is the node's ENCRYPTION_KEY (startNode), so tenants' tokens can be
// sealed for it here.
var benchEncryptionKey = strings.Repeat("3c", 32)

// outboundWorld is an engine talking to fakemeta, with connected tenants whose conversations
// have an open customer-service window, and an admin token to send with.
type outboundWorld struct {
	meta     *fakemeta.Server
	e        *engine.Engine
	dir      string
	token    string
	bearer   string     // "Bearer " + token, the Authorization of every send
	tenants  []string   // tenant ids
	phones   []string   // their phone number ids
	convs    [][]string // conversation ids per tenant
	base     string
	env      map[string]string // the engine's settings (nodeEnv), for moving it apart
	shutdown func()
	// apart is the engine's process once moveApart moved it out of this one (e is then nil).
	apart *engineApart
}

// newOutboundWorld starts fakemeta (cfg), the engine pointed at it, and `tenants` tenants
// sending at mps each with `conversations` open conversations.
func newOutboundWorld(ctx context.Context, cfg fakemeta.Config, tenants, conversations int, mps []int, extra map[string]string) (*outboundWorld, error) {
	w := &outboundWorld{}
	var err error
	if w.dir, err = os.MkdirTemp("", "switchboard-bench-"); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cfg.AppSecret = benchSecret
	cfg.CallbackURL = fmt.Sprintf("http://127.0.0.1:%d/api/v1/webhook", port)
	w.meta = fakemeta.New(cfg)
	if err := w.meta.Start("127.0.0.1:0"); err != nil {
		return nil, err
	}
	env := map[string]string{"META_GRAPH_URL": w.meta.URL(), "META_DEPARTURE_HEADER": "true", "RATE_LIMIT_SEND": "1000000/1m", "PORT": fmt.Sprint(port)}
	for k, v := range extra {
		env[k] = v
	}
	if w.e, err = startNode(ctx, w.dir, env); err != nil {
		w.meta.Close()
		return nil, err
	}
	w.env = nodeEnv(w.dir, env)
	w.base = "http://" + w.e.Addr()
	w.shutdown = func() { stopNode(w.e); w.meta.Close(); os.RemoveAll(w.dir) }
	if err := w.connect(ctx, tenants, conversations, mps); err != nil {
		w.shutdown()
		return nil, err
	}
	return w, nil
}

func (w *outboundWorld) close() { w.shutdown() }

// moveApart replaces the in-process engine, once the world is set up, by binary's `serve` on
// the same data and port, pinned to engineCPUs, and pins this process (the load generator and
// fakemeta) to loadCPUs. The in-process engine stops gracefully first, so everything the setup
// wrote is durable for the new process.
func (w *outboundWorld) moveApart(ctx context.Context, binary string, engineCPUs, loadCPUs unix.CPUSet) error {
	var before unix.CPUSet // restored at close: a test process goes on with its other tests
	if err := unix.SchedGetaffinity(0, &before); err != nil {
		return fmt.Errorf("bench: CPUs this process may use: %w", err)
	}
	stopNode(w.e)
	w.e = nil
	apart, err := startApart(ctx, binary, w.env, engineCPUs, w.base)
	if err != nil {
		w.shutdown = func() { w.meta.Close(); os.RemoveAll(w.dir) }
		return err
	}
	w.apart = apart
	w.shutdown = func() {
		if err := apart.stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
		w.meta.Close()
		os.RemoveAll(w.dir)
		if loadCPUs.Count() > 0 {
			if err := pinProcess(before); err != nil {
				fmt.Fprintln(os.Stderr, err)
			}
		}
	}
	if loadCPUs.Count() > 0 {
		return pinProcess(loadCPUs)
	}
	return nil
}

// connect creates tenants with sealed tokens registered at fakemeta, seeds the admin, logs
// in, and opens every conversation's window with one inbound message.
func (w *outboundWorld) connect(ctx context.Context, tenants, conversations int, mps []int) error {
	v, err := vault.New("k1", benchEncryptionKey, nil)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	for i := range tenants {
		id, phone, token := fmt.Sprintf("%024x", 0xb0000+i), fmt.Sprintf("3%014d", i), fmt.Sprintf("EAAbench-token-%d", i)
		t := persistence.Tenant{ID: id, Name: fmt.Sprintf("Sender %d", i), Active: true, PhoneNumberID: phone,
			WABAID: fmt.Sprintf("4%014d", i), DisplayPhoneNumber: fmt.Sprintf("+1555%07d", i),
			MessagesPerSecond: mps[i%len(mps)], CreatedAt: now, UpdatedAt: now}
		if t.AccessToken, err = v.Seal(token, id); err != nil {
			return err
		}
		if err := w.e.Store().Directory().CreateTenant(ctx, t); err != nil {
			return fmt.Errorf("bench: tenant: %w", err)
		}
		w.meta.AddNumber(phone, t.WABAID, strings.TrimPrefix(t.DisplayPhoneNumber, "+"), token)
		w.tenants, w.phones = append(w.tenants, id), append(w.phones, phone)
	}
	if _, err := w.e.Accounts().Seed(ctx); err != nil {
		return err
	}
	if w.token, err = login(w.base, "admin@whatsapp-saas.com", "Admin@123456"); err != nil {
		return err
	}
	w.bearer = "Bearer " + w.token
	// One inbound message per conversation opens its 24-hour window.
	client := &fasthttp.Client{}
	var n int64
	for i, phone := range w.phones {
		var ids []string
		for c := range conversations {
			waID := fmt.Sprintf("55%011d", c)
			n++
			body := inboundBody(phone, waID, n, 1)
			req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			req.SetRequestURI(w.base + "/api/v1/webhook")
			req.Header.SetMethod("POST")
			req.Header.Set(graph.SignatureHeader, graph.SignatureValue(benchSecret, body))
			req.SetBodyRaw(body)
			err := client.DoTimeout(req, resp, 10*time.Second)
			status := resp.StatusCode()
			fasthttp.ReleaseRequest(req)
			fasthttp.ReleaseResponse(resp)
			if err != nil || status != 200 {
				return fmt.Errorf("bench: open window: %v %d", err, status)
			}
			ids = append(ids, actors.ConversationID(w.tenants[i], waID))
		}
		w.convs = append(w.convs, ids)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for w.e.WebhookStats().Messages.Load() < n {
		if time.Now().After(deadline) {
			return fmt.Errorf("bench: windows not opened in time")
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil
}

// sendFill fills a POST /messages/send for conversation conv.
func (w *outboundWorld) sendFill(req *fasthttp.Request, conv string, n int64) {
	req.Header.SetMethod("POST")
	req.Header.SetContentType("application/json")
	req.Header.Set("Authorization", w.bearer)
	// Appended by hand: fmt.Appendf cost the load generator, which shares the engine's two
	// cores, ~2 % of the run's CPU.
	body := append(make([]byte, 0, 96), `{"conversationId":`...)
	body = strconv.AppendQuote(body, conv)
	body = append(body, `,"body":"Seu pedido #`...)
	body = strconv.AppendInt(body, n, 10)
	req.SetBodyRaw(append(body, ` saiu para entrega."}`...))
}

// acceptedCount is how many sends fakemeta accepted, over every number, from its counters:
// cheap enough to poll while the engine drains (tallyAtMeta walks every send logged, and
// polled every few milliseconds it took a sixth of the CPU the engine was being measured on).
func (w *outboundWorld) acceptedCount() int {
	st := w.meta.Stats()
	n := 0
	for _, pn := range w.phones {
		n += int(st.Numbers[pn].Accepted)
	}
	return n
}

// tallyAtMeta counts the sends fakemeta accepted over every number, for the exactly-once
// checks (it walks every send logged: once, at the end, never polled).
func (w *outboundWorld) tallyAtMeta() metaTally {
	logs := make([][]fakemeta.SentMessage, 0, len(w.phones))
	for _, pn := range w.phones {
		logs = append(logs, w.meta.Sent(pn))
	}
	return tallySent(logs...)
}

func login(base, email, password string) (string, error) {
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI(base + "/api/v1/auth/login")
	req.Header.SetMethod("POST")
	req.Header.SetContentType("application/json")
	req.SetBodyString(fmt.Sprintf(`{"email":%q,"password":%q}`, email, password))
	if err := (&fasthttp.Client{}).DoTimeout(req, resp, 30*time.Second); err != nil {
		return "", err
	}
	var out struct {
		Data struct {
			Token string `json:"token"`
		} `json:"data"`
	}
	if err := json.Unmarshal(resp.Body(), &out); err != nil || out.Data.Token == "" {
		return "", fmt.Errorf("bench: login %s: %d %s", email, resp.StatusCode(), resp.Body())
	}
	return out.Data.Token, nil
}

// awaitSettled waits until no tenant has a message pending in its outbox (queued, sending, or
// of unknown fate), or fails after timeout. Meta's count reaching what the API accepted is a
// snapshot: a send whose answer was lost is at Meta once while the engine holds it unknown,
// and with the bench's status webhooks off nothing can prove it sent, so the engine sends it
// again once its reconcile wait ends — after a check that stopped at the count. Only settled
// messages can no longer reach Meta again. The engine apart keeps its store to itself, so
// this needs the engine in this process.
func (w *outboundWorld) awaitSettled(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		pending := 0
		for _, id := range w.tenants {
			n, err := w.e.Store().Outbox().CountPending(ctx, id, 1<<30)
			if err != nil {
				return fmt.Errorf("bench: count pending sends: %w", err)
			}
			pending += n
		}
		if pending == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("bench: %d accepted send(s) not settled within %s (queued, sending, or of unknown fate: Meta's answer lost, so the engine may send again)", pending, timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}
