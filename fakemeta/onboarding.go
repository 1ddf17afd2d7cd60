package fakemeta

import (
	"strings"

	json "github.com/goccy/go-json"
	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/graph"
)

// accessToken is GET /oauth/access_token: an Embedded Signup code for its business token.
// Like Meta: codes work once and only within Config.CodeTTL, the app id and secret must
// match, and a redirect_uri makes the exchange fail (codes from the JS SDK popup were issued
// without one).
func (s *Server) accessToken(ctx *fasthttp.RequestCtx) {
	q := ctx.QueryArgs()
	code := string(q.Peek("code"))
	switch {
	case q.Has("redirect_uri"):
		writeError(ctx, plainError(400, 100, 36008, "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request"))
		return
	case string(q.Peek("client_id")) != s.cfg.AppID:
		writeError(ctx, plainError(400, 101, 0, "Error validating application. Invalid application ID."))
		return
	case s.cfg.AppSecret != "" && string(q.Peek("client_secret")) != s.cfg.AppSecret:
		writeError(ctx, plainError(400, 1, 0, "Error validating client secret."))
		return
	case code == "":
		writeError(ctx, plainError(400, 100, 0, "Missing authorization code"))
		return
	}
	s.mu.Lock()
	c, ok := s.codes[code]
	used := s.used[code]
	// An expired code stays expired: it is kept, so asking again is answered the same.
	expired := ok && s.cfg.CodeTTL > 0 && s.now().Sub(c.issuedAt) >= s.cfg.CodeTTL
	if ok && !expired {
		delete(s.codes, code)
		s.used[code] = true
	}
	s.mu.Unlock()
	switch {
	case used:
		writeError(ctx, plainError(400, 100, 36009, "This authorization code has been used."))
	case !ok:
		writeError(ctx, plainError(400, 100, 36007, "Invalid verification code format."))
	case expired:
		writeError(ctx, plainError(400, 100, 0, "This authorization code has expired."))
	default:
		writeJSON(ctx, 200, graph.AccessToken{AccessToken: c.token, TokenType: "bearer"})
	}
}

// debugToken is GET /debug_token?input_token=…, asked with the app token
// (APP_ID|APP_SECRET). An invalid input token is a 200 with is_valid false, as at Meta.
func (s *Server) debugToken(ctx *fasthttp.RequestCtx) {
	app := bearer(ctx)
	if app != graph.AppToken(s.cfg.AppID, s.cfg.AppSecret) {
		writeError(ctx, tokenError(0))
		return
	}
	input := string(ctx.QueryArgs().Peek("input_token"))
	d := graph.DebugTokenData{AppID: s.cfg.AppID, Type: "SYSTEM_USER", Application: s.cfg.AppName, Scopes: []string{}}
	s.mu.RLock()
	t, ok := s.tokens[input]
	var wabas []string
	if ok {
		for id := range t.wabas {
			wabas = append(wabas, id)
		}
		d.IssuedAt = t.issuedAt.Unix()
	}
	dead := ok && t.deadSubcode != 0
	var sub int
	if dead {
		sub = t.deadSubcode
	}
	s.mu.RUnlock()
	switch {
	case !ok:
		d.Error = &graph.TokenError{Code: 190, Message: "Invalid OAuth access token."}
	case dead:
		e := tokenError(sub)
		d.Error = &graph.TokenError{Code: 190, Message: e.Message, Subcode: sub}
	default:
		d.IsValid = true
		d.Scopes = []string{graph.ScopeBusinessManagement, graph.ScopeBusinessMessaging, "public_profile"}
		d.GranularScopes = []graph.GranularScope{
			{Scope: graph.ScopeBusinessManagement, TargetIDs: wabas},
			{Scope: graph.ScopeBusinessMessaging, TargetIDs: wabas},
		}
		d.UserID = "1221199" + s.cfg.AppID[:min(len(s.cfg.AppID), 11)]
	}
	writeJSON(ctx, 200, graph.DebugToken{Data: d})
}

// wabaTarget authorizes a WABA edge call and returns the WABA id, or answers the error.
func (s *Server) wabaTarget(ctx *fasthttp.RequestCtx, method string) (string, bool) {
	id := pathID(ctx)
	wabaID, isNumber := s.wabaOf(id)
	if isNumber {
		wabaID = "" // numbers have no such edge: answered like a missing object
	}
	if e := s.authorize(bearer(ctx), method, id, wabaID); e != nil {
		writeError(ctx, e)
		return "", false
	}
	return wabaID, true
}

// subscribedApps is GET /{waba_id}/subscribed_apps.
func (s *Server) subscribedApps(ctx *fasthttp.RequestCtx) {
	wabaID, ok := s.wabaTarget(ctx, "get")
	if !ok || !s.managementCall(ctx, EndpointSubscribedApps, wabaID, wabaID) {
		return
	}
	out := graph.SubscribedApps{Data: []graph.SubscribedApp{}}
	s.mu.RLock()
	w := s.wabas[wabaID]
	if w.subscribed {
		var app graph.SubscribedApp
		app.WhatsAppBusinessAPIData.ID = s.cfg.AppID
		app.WhatsAppBusinessAPIData.Name = s.cfg.AppName
		app.WhatsAppBusinessAPIData.Link = "https://www.facebook.com/games/?app_id=" + s.cfg.AppID
		app.OverrideCallbackURI = w.overrideURL
		out.Data = append(out.Data, app)
	}
	s.mu.RUnlock()
	writeJSON(ctx, 200, out)
}

// subscribeApp is POST /{waba_id}/subscribed_apps: idempotent; an optional
// override_callback_uri (with its verify_token) redirects the WABA's webhooks once the
// callback passed Meta's verification handshake.
func (s *Server) subscribeApp(ctx *fasthttp.RequestCtx) {
	wabaID, ok := s.wabaTarget(ctx, "post")
	if !ok || !s.managementCall(ctx, EndpointSubscribedApps, wabaID, wabaID) {
		return
	}
	var o graph.SubscribedAppsOverride
	if body := ctx.PostBody(); len(strings.TrimSpace(string(body))) > 0 {
		if err := json.Unmarshal(body, &o); err != nil {
			writeError(ctx, invalidParam("Request body is not valid JSON: %v", err))
			return
		}
		if o.OverrideCallbackURI != "" && !strings.HasPrefix(o.OverrideCallbackURI, "https://") && !strings.HasPrefix(o.OverrideCallbackURI, "http://") {
			writeError(ctx, invalidParam("Param override_callback_uri must be a valid URL."))
			return
		}
	}
	if o.OverrideCallbackURI != "" {
		// Meta verifies the override before it answers, and keeps the old routing if
		// the callback does not echo the challenge.
		if o.VerifyToken == "" {
			writeError(ctx, invalidParam("The parameter verify_token is required with override_callback_uri."))
			return
		}
		if e := s.hooks.verifyCallback(s.bg, o.OverrideCallbackURI, o.VerifyToken); e != nil {
			writeError(ctx, e)
			return
		}
	}
	s.mu.Lock()
	w := s.wabas[wabaID]
	w.subscribed = true
	w.overrideURL = o.OverrideCallbackURI
	s.mu.Unlock()
	writeSuccess(ctx)
}

// unsubscribeApp is DELETE /{waba_id}/subscribed_apps.
func (s *Server) unsubscribeApp(ctx *fasthttp.RequestCtx) {
	wabaID, ok := s.wabaTarget(ctx, "delete")
	if !ok || !s.managementCall(ctx, EndpointSubscribedApps, wabaID, wabaID) {
		return
	}
	s.mu.Lock()
	w := s.wabas[wabaID]
	w.subscribed, w.overrideURL = false, ""
	s.mu.Unlock()
	writeSuccess(ctx)
}

// register is POST /{phone_number_id}/register: the first PIN becomes the number's
// two-step PIN; later registrations must repeat it (else 133005).
func (s *Server) register(ctx *fasthttp.RequestCtx) {
	id := pathID(ctx)
	wabaID, isNumber := s.wabaOf(id)
	if !isNumber {
		wabaID = ""
	}
	if e := s.authorize(bearer(ctx), "post", id, wabaID); e != nil {
		writeError(ctx, e)
		return
	}
	var r graph.RegisterRequest
	if err := json.Unmarshal(ctx.PostBody(), &r); err != nil {
		writeError(ctx, invalidParam("Request body is not valid JSON: %v", err))
		return
	}
	switch {
	case r.MessagingProduct != graph.MessagingProduct:
		writeError(ctx, invalidParam("The parameter messaging_product is required."))
		return
	case len(r.Pin) != 6 || strings.Trim(r.Pin, "0123456789") != "":
		writeError(ctx, invalidParam("Param pin must be 6 digits."))
		return
	}
	n := s.number(id)
	n.mu.Lock()
	mismatch := n.pin != "" && n.pin != r.Pin
	if !mismatch {
		n.pin, n.registered = r.Pin, true
	}
	n.mu.Unlock()
	if mismatch {
		writeError(ctx, apiError(133005, ""))
		return
	}
	writeSuccess(ctx)
}
