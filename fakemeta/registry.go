package fakemeta

import (
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboard/switchboard/transport/graph"
)

// signupCode is an Embedded Signup code: the token it exchanges for, and when it was
// issued (Config.CodeTTL).
type signupCode struct {
	token    string
	issuedAt time.Time
}

// waba is one WhatsApp Business Account: its numbers, templates and subscription.
type waba struct {
	id          string
	numbers     []string
	templates   []graph.MessageTemplate // in creation order, which is the listing order
	subscribed  bool
	overrideURL string
	// templateLists counts GET message_templates calls: management calls, which Meta
	// limits per WABA (WHATSAPP.md §3).
	templateLists atomic.Int64
}

// token is a business token: the WABAs it was granted, and whether it still works.
type token struct {
	wabas    map[string]bool
	issuedAt time.Time
	// deadSubcode is 0 for a live token, else the 190 subcode it now fails with
	// (463 expired, 460 invalidated).
	deadSubcode int
}

// number is one business phone number and everything Meta tracks per number. Its mutex
// guards every field below it; the registry's lock is never taken while holding it.
type number struct {
	id      string
	wabaID  string
	display string // digits, as in webhooks
	// tag is the number's mark in the wamids of the messages users send it (newWAMID):
	// numberTagDigits hex digits, unique in the server.
	tag string

	mu         sync.Mutex
	info       graph.PhoneNumber
	registered bool
	pin        string
	throughput int
	accepted   secondWindow // the throughput limiter: sends accepted in the last second
	// busiestSends and busiestAccepted measure the number's busiest second (Stats): every
	// send request the engine made, and those accepted.
	busiestSends, busiestAccepted busiestSecond
	pairs                         map[string]*pairBurst
	windows                       map[string]time.Time // recipient key → last inbound
	profiles                      map[string]profile   // recipient key → profile name, from inbound
	sweptAt                       time.Time            // the last sweep of the three maps above
	stats                         numberStats
	sent                          []SentMessage
	// lastRead is the wamid of the last accepted mark-read (or typing) request.
	lastRead string
	inject   injections
}

// NumberOption changes how AddNumber adds a number.
type NumberOption func(*numberOptions)

type numberOptions struct{ signup bool }

// AsAfterSignup adds the number as Embedded Signup leaves it (WHATSAPP.md §4.2): not yet
// registered for Cloud API (sends fail with 133010 until POST /{phone_number_id}/register)
// and, when AddNumber creates its WABA, that WABA not subscribed to the app (its webhooks
// are dropped until POST /{waba_id}/subscribed_apps). A WABA that already exists keeps
// its subscription, which is the WABA's, not the number's.
func AsAfterSignup() NumberOption { return func(o *numberOptions) { o.signup = true } }

// AddNumber registers a business number of wabaID, onboarded and ready to send with
// token: registered for Cloud API, its WABA subscribed to the app (AsAfterSignup adds it
// as onboarding leaves it instead). displayNumber is digits ("15550123456"). Adding it
// again updates its token (and, without AsAfterSignup, subscribes its WABA again).
func (s *Server) AddNumber(phoneNumberID, wabaID, displayNumber, accessToken string, opts ...NumberOption) {
	var o numberOptions
	for _, opt := range opts {
		opt(&o)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.wabaLocked(wabaID)
	if !o.signup {
		w.subscribed = true
	}
	s.grantLocked(accessToken, wabaID)
	if _, ok := s.numbers[phoneNumberID]; ok {
		return // same number again: the grant above is all that changes
	}
	w.numbers = append(w.numbers, phoneNumberID)
	official := false
	s.numbers[phoneNumberID] = &number{
		id: phoneNumberID, wabaID: wabaID, display: displayNumber, tag: fmt.Sprintf("%0*X", numberTagDigits, len(s.numbers)),
		registered: !o.signup, throughput: s.cfg.Throughput,
		pairs: map[string]*pairBurst{}, windows: map[string]time.Time{}, profiles: map[string]profile{},
		stats: newNumberStats(),
		info: graph.PhoneNumber{
			ID: phoneNumberID, DisplayPhoneNumber: formatDisplay(displayNumber), VerifiedName: "Fake Business " + displayNumber,
			QualityRating: "GREEN", CodeVerificationStatus: "VERIFIED", NameStatus: "APPROVED",
			PlatformType: "CLOUD_API", Status: "CONNECTED", AccountMode: "LIVE",
			MessagingLimit: "TIER_2K", IsOfficialBusinessAccount: &official,
		},
	}
}

// UpdateNumber edits what GET /{phone_number_id} reports (quality rating, status,
// messaging limit, health status …). ID is kept.
func (s *Server) UpdateNumber(phoneNumberID string, edit func(*graph.PhoneNumber)) bool {
	n := s.number(phoneNumberID)
	if n == nil {
		return false
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	edit(&n.info)
	n.info.ID = phoneNumberID
	return true
}

// SetThroughput sets one number's messages-per-second limit (0 = unlimited), e.g. to
// model Meta's automatic upgrade to 1,000 mps.
func (s *Server) SetThroughput(phoneNumberID string, mps int) {
	if n := s.number(phoneNumberID); n != nil {
		n.mu.Lock()
		n.throughput = mps
		n.mu.Unlock()
	}
}

// Deregister makes the number unregistered: sends fail with 133010 until
// POST /{phone_number_id}/register.
func (s *Server) Deregister(phoneNumberID string) {
	if n := s.number(phoneNumberID); n != nil {
		n.mu.Lock()
		n.registered = false
		n.mu.Unlock()
	}
}

// Subscribed says whether the app is subscribed to the WABA (POST /{waba_id}/subscribed_apps,
// or AddNumber without AsAfterSignup): only a subscribed WABA's webhooks are posted.
func (s *Server) Subscribed(wabaID string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	w, ok := s.wabas[wabaID]
	return ok && w.subscribed
}

// Registered says whether the number is registered for Cloud API (POST
// /{phone_number_id}/register, or AddNumber without AsAfterSignup): only a registered
// number can send.
func (s *Server) Registered(phoneNumberID string) bool {
	registered := false
	s.withNumber(phoneNumberID, func(n *number) { registered = n.registered })
	return registered
}

// AddCode adds an Embedded Signup code that exchanges (once) for accessToken. The token
// works for the WABAs it is granted through AddNumber or GrantToken.
func (s *Server) AddCode(code, accessToken string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.codes[code] = signupCode{token: accessToken, issuedAt: s.now()}
	if _, ok := s.tokens[accessToken]; !ok {
		s.tokens[accessToken] = &token{wabas: map[string]bool{}, issuedAt: s.now()}
	}
}

// GrantToken lets accessToken act on wabaID and its numbers (a second token for a tenant,
// or the token an onboarding code yields).
func (s *Server) GrantToken(accessToken, wabaID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.wabaLocked(wabaID)
	s.grantLocked(accessToken, wabaID)
}

// ExpireToken makes accessToken fail with 190/463 (expired); RevokeToken with 190/460
// (invalidated, as when the customer removes the app).
func (s *Server) ExpireToken(accessToken string) { s.killToken(accessToken, 463) }

// RevokeToken makes accessToken fail with 190/460.
func (s *Server) RevokeToken(accessToken string) { s.killToken(accessToken, 460) }

func (s *Server) killToken(accessToken string, subcode int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.tokens[accessToken]; ok {
		t.deadSubcode = subcode
	}
}

// AddTemplate adds a template definition to the WABA and returns its id. status is
// APPROVED for a sendable one; category MARKETING, UTILITY or AUTHENTICATION. The BODY
// block's {{n}} placeholders are what sends must fill (else 132000).
func (s *Server) AddTemplate(wabaID, name, language, status, category string, components []graph.TemplateDefinitionBlock) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.wabaLocked(wabaID)
	s.seq++
	id := strconv.FormatUint(1789012345000000+s.seq, 10)
	format := graph.ParameterFormatPositional
	for _, c := range components {
		if c.Type == "BODY" && hasNamedPlaceholders(c.Text) {
			format = graph.ParameterFormatNamed
		}
	}
	w.templates = append(w.templates, graph.MessageTemplate{
		ID: id, Name: name, Language: language, Status: status, Category: category,
		ParameterFormat: format, Components: components,
	})
	return id
}

// SetTemplateStatus changes a template's status (PAUSED, DISABLED, APPROVED …).
func (s *Server) SetTemplateStatus(wabaID, name, language, status string) bool {
	return s.editTemplate(wabaID, name, language, func(w *waba, i int) { w.templates[i].Status = status })
}

// RemoveTemplate deletes a template from the WABA, as a business deleting it in WhatsApp
// Manager does; a later sync no longer lists it.
func (s *Server) RemoveTemplate(wabaID, name, language string) bool {
	return s.editTemplate(wabaID, name, language, func(w *waba, i int) {
		w.templates = append(w.templates[:i], w.templates[i+1:]...)
	})
}

// editTemplate runs edit on the WABA's template (name, language), if it has one.
func (s *Server) editTemplate(wabaID, name, language string, edit func(w *waba, i int)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, ok := s.wabas[wabaID]
	if !ok {
		return false
	}
	for i := range w.templates {
		if w.templates[i].Name == name && w.templates[i].Language == language {
			edit(w, i)
			return true
		}
	}
	return false
}

func (s *Server) wabaLocked(id string) *waba {
	w, ok := s.wabas[id]
	if !ok {
		w = &waba{id: id}
		s.wabas[id] = w
	}
	return w
}

func (s *Server) grantLocked(accessToken, wabaID string) {
	if accessToken == "" {
		return
	}
	t, ok := s.tokens[accessToken]
	if !ok {
		t = &token{wabas: map[string]bool{}, issuedAt: s.now()}
		s.tokens[accessToken] = t
	}
	t.wabas[wabaID] = true
}

func (s *Server) number(id string) *number {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.numbers[id]
}

// template finds (name, language) in the WABA.
func (s *Server) template(wabaID, name, language string) (graph.MessageTemplate, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if w, ok := s.wabas[wabaID]; ok {
		for _, t := range w.templates {
			if t.Name == name && t.Language == language {
				return t, true
			}
		}
	}
	return graph.MessageTemplate{}, false
}

// formatDisplay formats digits the way GET /{phone_number_id} shows them: NANP numbers
// as "+1 555-012-3456", others as "+<digits>".
func formatDisplay(digits string) string {
	if len(digits) == 11 && digits[0] == '1' {
		return "+1 " + digits[1:4] + "-" + digits[4:7] + "-" + digits[7:]
	}
	return "+" + digits
}
