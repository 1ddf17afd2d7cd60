package fakemeta

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	json "github.com/goccy/go-json"
	"github.com/switchboard/switchboard/internal/phone"
	"github.com/valyala/fasthttp"
)

// OpenWindow records that waID (or a BSUID) just wrote to the number, opening the 24-hour
// customer-service window for free-form sends — without posting a webhook.
func (s *Server) OpenWindow(phoneNumberID, waID string) {
	s.withNumber(phoneNumberID, func(n *number) { n.windows[userKey(digitsOrID(waID))] = s.now() })
}

// CloseWindow forgets that waID wrote: free-form sends to it fail with 131047 again.
func (s *Server) CloseWindow(phoneNumberID, waID string) {
	s.withNumber(phoneNumberID, func(n *number) { delete(n.windows, userKey(digitsOrID(waID))) })
}

// digitsOrID keys a phone number by its digits and leaves a BSUID as it is.
func digitsOrID(id string) string {
	if plausiblePhone(id) {
		return phone.Digits(id)
	}
	return id
}

// SendInbound posts one signed inbound text webhook from waID (profile name) to the
// number's callback, opening the user's window and remembering the name for the contacts
// of later status webhooks, and returns the message's wamid once the callback answered 200
// (or the error after the retries). waID is a phone number, written in digits as Meta
// writes from and wa_id however it is given ("+55 11 98765-4321" → 5511987654321), or a
// BSUID ("BR.4812…"), which writes as a user known only by it: user_id and from_user_id.
func (s *Server) SendInbound(ctx context.Context, phoneNumberID, waID, name, text string) (string, error) {
	n := s.number(phoneNumberID)
	if n == nil {
		return "", fmt.Errorf("fakemeta: unknown phone number %s", phoneNumberID)
	}
	key := digitsOrID(waID)
	phoneDigits, userID := key, ""
	switch {
	case !plausiblePhone(waID):
		phoneDigits, userID = "", waID
	case !s.cfg.NoInboundUserIDs:
		userID = UserIDOf(n.wabaID, phoneDigits)
	}
	wamid := s.newWAMID(key, true, n.tag)
	now := s.now()
	n.mu.Lock()
	n.sweep(now, s.cfg.PairEvery)
	n.windows[userKey(key)] = now
	if name != "" {
		n.profiles[userKey(key)] = profile{name: name, at: now}
	}
	n.stats.inbound++
	at := where{wabaID: n.wabaID, phoneNumberID: n.id, display: n.display}
	n.mu.Unlock()
	body := at.inboundText(phoneDigits, userID, name, wamid, text, now)
	if err := s.hooks.post(ctx, s.callbackFor(at.wabaID), body); err != nil {
		return wamid, fmt.Errorf("fakemeta: inbound %s: %w", wamid, err)
	}
	return wamid, nil
}

// Spec describes simulated inbound traffic for GenerateInbound.
type Spec struct {
	PhoneNumberID string
	// Users is how many distinct users write (default 1); user i has wa_id
	// UserPrefix + i zero-padded to 6 digits, and messages go round-robin over users.
	Users      int
	UserPrefix string // default "5511900"
	// Rate is messages per second over all users; 0 is as fast as Concurrency allows.
	Rate float64
	// Duration and Messages bound the run (whichever comes first; ctx also ends it). At
	// least one of them, or a ctx deadline, is required.
	Duration time.Duration
	Messages int
	// Concurrency is how many webhooks are in flight at once (default 8).
	Concurrency int
	// Text makes message seq's body for user; default "msg <seq> from user <user>".
	Text func(user, seq int) string
}

// InboundReport says what a GenerateInbound run did.
type InboundReport struct {
	Sent      int // webhooks generated
	Delivered int // answered 200 (possibly after retries)
	Failed    int // dropped after the retries
	Elapsed   time.Duration
}

// GenerateInbound posts signed inbound text webhooks from simulated users at Spec.Rate
// until Spec.Duration or Spec.Messages is reached, ctx ends, or the server closes. Every
// message has a unique wamid and opens its user's window. It returns when every webhook
// it started has been answered or given up on.
func (s *Server) GenerateInbound(ctx context.Context, spec Spec) (InboundReport, error) {
	var rep InboundReport
	if s.number(spec.PhoneNumberID) == nil {
		return rep, fmt.Errorf("fakemeta: unknown phone number %s", spec.PhoneNumberID)
	}
	if _, ok := ctx.Deadline(); !ok && spec.Duration <= 0 && spec.Messages <= 0 {
		return rep, errors.New("fakemeta: GenerateInbound needs a Duration, a Messages count or a ctx deadline")
	}
	spec = spec.withDefaults()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stopOnClose := context.AfterFunc(s.bg, cancel)
	defer stopOnClose()
	if spec.Duration > 0 {
		var cancelT context.CancelFunc
		ctx, cancelT = context.WithTimeout(ctx, spec.Duration)
		defer cancelT()
	}

	var delivered, failed atomic.Int64
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range spec.Concurrency {
		wg.Go(func() {
			for seq := range jobs {
				user := seq % spec.Users
				waID := fmt.Sprintf("%s%06d", spec.UserPrefix, user)
				// Deliveries run under the server's context, not the run's: the run ending
				// stops generating; it does not cut a delivery mid-retry into a failure.
				if _, err := s.SendInbound(s.bg, spec.PhoneNumberID, waID, fmt.Sprintf("User %d", user), spec.Text(user, seq)); err != nil {
					failed.Add(1)
				} else {
					delivered.Add(1)
				}
			}
		})
	}
	start := time.Now()
	seq := 0
loop:
	for spec.Messages <= 0 || seq < spec.Messages {
		if spec.Rate > 0 {
			next := start.Add(time.Duration(float64(seq) / spec.Rate * float64(time.Second)))
			if d := time.Until(next); d > 0 {
				t := time.NewTimer(d)
				select {
				case <-t.C:
				case <-ctx.Done():
					t.Stop()
					break loop
				}
			}
		}
		select {
		case jobs <- seq:
			seq++
		case <-ctx.Done():
			break loop
		}
	}
	close(jobs)
	wg.Wait()
	rep.Sent, rep.Delivered, rep.Failed = seq, int(delivered.Load()), int(failed.Load())
	rep.Elapsed = time.Since(start)
	return rep, nil
}

func (spec Spec) withDefaults() Spec {
	if spec.Users <= 0 {
		spec.Users = 1
	}
	if spec.UserPrefix == "" {
		spec.UserPrefix = "5511900"
	}
	if spec.Concurrency <= 0 {
		spec.Concurrency = 8
	}
	if spec.Text == nil {
		spec.Text = func(user, seq int) string { return fmt.Sprintf("msg %d from user %d", seq, user) }
	}
	return spec
}

// inboundHandler is POST /_fakemeta/inbound {"phone_number_id","wa_id","name","text"}: a
// one-shot inbound message for demos (curl instead of a phone).
func (s *Server) inboundHandler(ctx *fasthttp.RequestCtx) {
	var in struct {
		PhoneNumberID string `json:"phone_number_id"`
		WaID          string `json:"wa_id"`
		Name          string `json:"name"`
		Text          string `json:"text"`
	}
	if err := json.Unmarshal(ctx.PostBody(), &in); err != nil || in.PhoneNumberID == "" || in.WaID == "" || in.Text == "" {
		writeError(ctx, invalidParam("Body must be {\"phone_number_id\",\"wa_id\",\"name\",\"text\"}."))
		return
	}
	c, cancel := context.WithTimeout(s.bg, 30*time.Second)
	defer cancel()
	wamid, err := s.SendInbound(c, in.PhoneNumberID, in.WaID, in.Name, in.Text)
	if err != nil {
		writeJSON(ctx, fasthttp.StatusBadGateway, map[string]string{"wamid": wamid, "error": err.Error()})
		return
	}
	writeJSON(ctx, 200, map[string]string{"wamid": wamid})
}
