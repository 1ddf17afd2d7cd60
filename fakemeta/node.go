package fakemeta

import (
	"strings"

	json "github.com/goccy/go-json"
	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/graph"
)

// defaultNumberFields are what GET /{phone_number_id} returns without ?fields.
const defaultNumberFields = "id,display_phone_number,verified_name,quality_rating"

// node is GET /{id}: a phone number (with ?fields) or a WABA.
func (s *Server) node(ctx *fasthttp.RequestCtx) {
	id := pathID(ctx)
	if u, ok := s.mediaOf(id); ok {
		s.mediaNode(ctx, id, u)
		return
	}
	wabaID, isNumber := s.wabaOf(id)
	if e := s.authorize(bearer(ctx), "get", id, wabaID); e != nil {
		writeError(ctx, e)
		return
	}
	endpoint := EndpointPhoneNumber
	if !isNumber {
		endpoint = EndpointWABA
	}
	if !s.managementCall(ctx, endpoint, id, wabaID) {
		return
	}
	if !isNumber {
		writeJSON(ctx, 200, map[string]string{"id": id, "name": "Fake WABA " + id})
		return
	}
	fields := string(ctx.QueryArgs().Peek("fields"))
	if fields == "" {
		fields = defaultNumberFields
	}
	view, err := only(s.numberView(id), fields, knownNumberField, "WhatsAppBusinessPhoneNumber")
	if err != nil {
		// A Graph field error, not a WhatsApp one: Meta says it in message, without error_data.
		writeError(ctx, plainError(400, 100, 0, err.Error()))
		return
	}
	writeJSON(ctx, 200, view)
}

// numberView is everything Meta could report about the number. Throughput, health and
// webhook_configuration (the app's callback, and the WABA's override if one is set) follow
// fakemeta's own state unless a test set them through UpdateNumber.
func (s *Server) numberView(id string) graph.PhoneNumber {
	n := s.number(id)
	override := s.overrideOf(n.wabaID) // the registry's lock, never under n.mu
	n.mu.Lock()
	defer n.mu.Unlock()
	p := n.info
	if p.Throughput == nil {
		level := "STANDARD"
		if n.throughput == 0 || n.throughput > DefaultThroughput {
			level = "HIGH"
		}
		p.Throughput = &graph.Throughput{Level: level}
	}
	if p.WebhookConfiguration == nil {
		p.WebhookConfiguration = &graph.WebhookConfiguration{Application: s.cfg.CallbackURL, WABA: override}
	}
	if p.HealthStatus == nil {
		can := graph.HealthAvailable
		if !n.registered {
			can = graph.HealthBlocked
		}
		p.HealthStatus = &graph.HealthStatus{CanSendMessage: can, Entities: []graph.HealthEntity{
			{EntityType: "PHONE_NUMBER", ID: n.id, CanSendMessage: can},
			{EntityType: "WABA", ID: n.wabaID, CanSendMessage: graph.HealthAvailable},
			{EntityType: "APP", ID: s.cfg.AppID, CanSendMessage: graph.HealthAvailable},
		}}
	}
	return p
}

// only keeps the requested fields of v (always id), as Graph's field selection does.
// A field known reports unknown to the node type is an error, as at Meta; a known one v
// does not hold is left out.
func only(v any, fields string, known func(string) bool, nodeType string) (map[string]json.RawMessage, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return nil, err
	}
	out := map[string]json.RawMessage{"id": all["id"]}
	for _, f := range strings.Split(fields, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if v, ok := all[f]; ok {
			out[f] = v
			continue
		}
		if !known(f) {
			return nil, &fieldError{f, nodeType}
		}
	}
	return out, nil
}

type fieldError struct{ field, nodeType string }

func (e *fieldError) Error() string {
	return "(#100) Tried accessing nonexisting field (" + e.field + ") on node type (" + e.nodeType + ")"
}

// knownNumberField lists fields Meta knows that may simply be empty here.
func knownNumberField(f string) bool {
	switch f {
	case "id", "display_phone_number", "verified_name", "quality_rating", "code_verification_status", "name_status",
		"status", "platform_type", "throughput", "whatsapp_business_manager_messaging_limit", "messaging_limit_tier",
		"is_official_business_account", "account_mode", "webhook_configuration", "health_status",
		"is_pin_enabled", "certificate", "new_name_status", "eligibility_for_api_business_global_search",
		"last_onboarded_time", "quality_score", "search_visibility":
		return true
	}
	return false
}

// phoneNumbers is GET /{waba_id}/phone_numbers, one page shaped like phone_numbers_list.json.
func (s *Server) phoneNumbers(ctx *fasthttp.RequestCtx) {
	wabaID, ok := s.wabaTarget(ctx, "get")
	if !ok || !s.managementCall(ctx, EndpointPhoneNumbers, wabaID, wabaID) {
		return
	}
	s.mu.RLock()
	ids := append([]string(nil), s.wabas[wabaID].numbers...)
	s.mu.RUnlock()
	page := graph.PhoneNumbersPage{Data: []graph.PhoneNumber{}}
	for _, id := range ids {
		full := s.numberView(id)
		page.Data = append(page.Data, graph.PhoneNumber{
			ID: full.ID, VerifiedName: full.VerifiedName, CodeVerificationStatus: full.CodeVerificationStatus,
			DisplayPhoneNumber: full.DisplayPhoneNumber, QualityRating: full.QualityRating,
			PlatformType: full.PlatformType, Throughput: full.Throughput,
		})
	}
	if len(ids) > 0 {
		page.Paging.Cursors = graph.Cursors{Before: encodeCursor(0), After: encodeCursor(len(ids))}
	}
	writeJSON(ctx, 200, page)
}
