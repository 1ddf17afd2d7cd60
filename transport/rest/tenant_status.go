package rest

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/auth"
	"github.com/switchboard/switchboard/internal/phone"
	"github.com/switchboard/switchboard/persistence"
	"github.com/switchboard/switchboard/transport/edge"
	"github.com/switchboard/switchboard/transport/graph"
	"github.com/switchboard/switchboard/transport/httpx"
)

// GET /tenants/:id/status: the tenant's WhatsApp health — Meta's live view of its number
// (quality rating, messaging limit, throughput level, can_send_message with the entities
// that limit it) beside the engine's own (the pace it sends at, the messaging limit used,
// its backlog, and why it refuses sends, if it does). Meta's half is asked on every call
// (Meta has no webhook for health_status); when Meta cannot be reached the engine's half
// still answers, with metaError saying why. A messaging limit Meta reports here becomes the
// tier the engine enforces, so a tenant is limited before any webhook names its tier; one the
// engine cannot read (readableTier) leaves the known tier as it is.

// metaStatusTimeout bounds the Graph call of one status request.
const metaStatusTimeout = 5 * time.Second

// Meta's verdict when it was not asked (no connected number) or not reached.
const canSendUnknown = "UNKNOWN"

type tenantStatusView struct {
	TenantID           string `json:"tenantId"`
	Active             bool   `json:"active"`
	Connected          bool   `json:"connected"`
	PhoneNumberID      string `json:"phoneNumberId,omitempty"`
	DisplayPhoneNumber string `json:"displayPhoneNumber,omitempty"`
	VerifiedName       string `json:"verifiedName,omitempty"`
	NumberStatus       string `json:"numberStatus,omitempty"`
	QualityRating      string `json:"qualityRating,omitempty"`
	CanSendMessage     string `json:"canSendMessage"`
	// ContractCanSendMessage is CanSendMessage under the name API.md gives it (Meta's):
	// scripts written to the contract read can_send_message, clients of this API's
	// camelCase read canSendMessage; both are served, set once from CanSendMessage.
	ContractCanSendMessage string             `json:"can_send_message"`
	MessagingLimit         messagingLimitView `json:"messagingLimit"`
	Throughput             throughputView     `json:"throughput"`
	Sending                sendingView        `json:"sending"`
	Health                 []healthEntityView `json:"health"`
	MetaError              *metaErrorView     `json:"metaError,omitempty"`
	CheckedAt              time.Time          `json:"checkedAt"`
}

type messagingLimitView struct {
	Tier string `json:"tier,omitempty"`
	// Limit is nil when unlimited or not known (then the engine does not limit).
	Limit *int `json:"limit"`
	Used  int  `json:"used"`
}

type throughputView struct {
	Level             string `json:"level,omitempty"` // Meta's: STANDARD or HIGH
	MessagesPerSecond int    `json:"messagesPerSecond"`
}

type sendingView struct {
	// Refused is the error code a send gets now, "" when the engine sends.
	Refused      string     `json:"refused,omitempty"`
	PausedUntil  *time.Time `json:"pausedUntil,omitempty"`
	PausedReason string     `json:"pausedReason,omitempty"`
	// Restrictions are Meta's account restrictions in force; each refuses only the sends
	// its type names (business-initiated templates, or replies), so Refused stays empty.
	Restrictions []actors.Restriction `json:"restrictions,omitempty"`
	// BanScheduledFor: Meta announced a ban of the WABA from then (SCHEDULE_FOR_DISABLE);
	// sends go on until it.
	BanScheduledFor *time.Time `json:"banScheduledFor,omitempty"`
	Backlog         *int       `json:"backlog"` // nil before the engine counted it
	BacklogLimit    int        `json:"backlogLimit"`
}

type healthEntityView struct {
	EntityType     string            `json:"entityType"`
	ID             string            `json:"id"`
	CanSendMessage string            `json:"canSendMessage"`
	Errors         []healthErrorView `json:"errors,omitempty"`
}

type healthErrorView struct {
	Code             int    `json:"code"`
	Description      string `json:"description"`
	PossibleSolution string `json:"possibleSolution,omitempty"`
}

type metaErrorView struct {
	Code    int    `json:"code,omitempty"` // Meta's error code when Meta answered
	Message string `json:"message"`
}

func (s *Server) tenantStatus(ctx *fasthttp.RequestCtx, c context.Context) {
	id, ok := pathParam(ctx, "id")
	p := principalOf(ctx)
	switch {
	case !ok || !p.CanSeeTenant(id):
		s.fail(ctx, auth.ErrNotVisible)
		return
	case !p.CanManageTenant(id):
		s.fail(ctx, auth.ErrForbidden)
		return
	}
	t, err := s.opts.Store.Directory().TenantByID(c, id)
	if err != nil {
		s.fail(ctx, err)
		return
	}
	st, err := s.opts.Actors.SendingStatus(c, id)
	if err != nil {
		s.fail(ctx, err)
		return
	}
	v := tenantStatusView{
		TenantID: t.ID, Active: t.Active, Connected: t.PhoneNumberID != "" && !t.AccessToken.IsZero(),
		PhoneNumberID: t.PhoneNumberID, CanSendMessage: canSendUnknown, Health: []healthEntityView{},
		Throughput: throughputView{MessagesPerSecond: st.RatePerSecond}, CheckedAt: time.Now().UTC(),
	}
	if v.Connected && s.opts.PhoneNumberStatus != nil {
		mc, cancel := context.WithTimeout(c, metaStatusTimeout)
		number, err := s.opts.PhoneNumberStatus(mc, t.ID)
		cancel()
		if err != nil {
			v.MetaError = metaErrorOf(err)
			if v.MetaError.Code == 0 {
				// The detail (addresses, a proxy's name) is the operator's, not the tenant's.
				s.opts.Logger.Warn("tenant status: Meta's half missing", "tenant", id,
					"request_id", string(ctx.Response.Header.Peek(edge.HeaderRequestID)), "err", err)
			}
		} else {
			v.fromMeta(number)
			if tier := number.MessagingLimit; tier != st.MessagingTier && readableTier(tier) {
				if err := s.opts.Actors.LearnMessagingTier(c, id, tier); err != nil {
					s.opts.Logger.Warn("tenant status: messaging limit not recorded", "tenant", id, "err", err)
				} else {
					st.MessagingTier = tier
					st.MessagingLimit, _ = actors.MessagingLimitOf(tier)
				}
			}
		}
	}
	v.fromEngine(t, st)
	v.ContractCanSendMessage = v.CanSendMessage
	httpx.OK(ctx, http.StatusOK, "Tenant status", map[string]any{"status": v})
}

// fromMeta fills in what Meta reported about the number.
func (v *tenantStatusView) fromMeta(n *graph.PhoneNumber) {
	v.DisplayPhoneNumber, v.VerifiedName, v.NumberStatus, v.QualityRating = phone.E164(n.DisplayPhoneNumber), n.VerifiedName, n.Status, n.QualityRating
	if n.Throughput != nil {
		v.Throughput.Level = n.Throughput.Level
	}
	if n.HealthStatus == nil {
		return
	}
	v.CanSendMessage = n.HealthStatus.CanSendMessage
	for _, e := range n.HealthStatus.Entities {
		ev := healthEntityView{EntityType: e.EntityType, ID: e.ID, CanSendMessage: e.CanSendMessage}
		for _, he := range e.Errors {
			ev.Errors = append(ev.Errors, healthErrorView{Code: he.ErrorCode, Description: he.ErrorDescription, PossibleSolution: he.PossibleSolution})
		}
		v.Health = append(v.Health, ev)
	}
}

// readableTier reports whether the engine can enforce tier: one it cannot read (an enum value
// Meta adds, a broken answer) must not replace the tier it enforces, which would lift it.
func readableTier(tier string) bool {
	_, ok := actors.MessagingLimitOf(tier)
	return ok
}

// fromEngine fills in the engine's own account, and the code a send gets now.
func (v *tenantStatusView) fromEngine(t persistence.Tenant, st *actors.SendingStatus) {
	v.MessagingLimit = messagingLimitView{Tier: st.MessagingTier, Used: st.Initiated}
	if st.MessagingLimit > 0 {
		v.MessagingLimit.Limit = &st.MessagingLimit
	}
	v.Sending.BacklogLimit = st.BacklogLimit
	if st.BacklogKnown {
		v.Sending.Backlog = &st.Backlog
	}
	if !st.PausedUntil.IsZero() {
		v.Sending.PausedUntil, v.Sending.PausedReason = &st.PausedUntil, st.PausedReason
	}
	v.Sending.Restrictions = st.Restrictions
	if !st.BanScheduledFor.IsZero() {
		v.Sending.BanScheduledFor = &st.BanScheduledFor
	}
	switch {
	case !t.Active:
		v.Sending.Refused = httpx.CodeTenantInactive
	case !v.Connected:
		v.Sending.Refused = httpx.CodeNotConfigured
	case st.NeedsReauth || t.NeedsReauth:
		v.Sending.Refused = httpx.CodeNeedsReauth
	case st.Restricted || !st.PausedUntil.IsZero():
		v.Sending.Refused = httpx.CodeSendingPaused
	}
}

// metaErrorOf words why Meta's half is missing: the engine would not call Meta for the
// tenant (deactivated, its token unusable), Meta's own error, or Meta out of reach.
func metaErrorOf(err error) *metaErrorView {
	var refused *actors.SendRefusedError
	if errors.As(err, &refused) {
		return &metaErrorView{Message: "Meta was not asked: " + refused.Reason}
	}
	var api *graph.APIError
	if errors.As(err, &api) && api.Parsed {
		return &metaErrorView{Code: api.Code, Message: api.Message}
	}
	// Not err's text: it names internal addresses (a proxy, the Graph URL), which a tenant
	// admin has no business reading; the server log has it under the request id.
	return &metaErrorView{Message: "Meta could not be reached (no answer in time, or no connection); the server log has the details under this request's id"}
}
