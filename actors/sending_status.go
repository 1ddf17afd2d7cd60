package actors

import (
	"context"
	"time"
)

// GetSendingStatus asks the tenant for its own account of its sending (SendingStatus): the
// engine's half of GET /tenants/:id/status, beside what Meta reports live.
type GetSendingStatus struct{}

// SendingStatus is what limits a tenant's sends as the engine enforces them, and how much of
// each is used.
type SendingStatus struct {
	// RatePerSecond is the pace of the tenant's sends: its setting, else its number's tier.
	RatePerSecond int `json:"ratePerSecond"`
	// MessagingTier is Meta's messaging limit as last reported (TIER_2K, …; "" unknown);
	// MessagingLimit its count (0: unlimited or unknown); Initiated the unique customers
	// messaged outside their window in the last 24 hours.
	MessagingTier  string `json:"messagingTier,omitempty"`
	MessagingLimit int    `json:"messagingLimit"`
	Initiated      int    `json:"initiated"`
	// Backlog is the messages accepted and not yet settled, as of the last count plus the
	// sends accepted since (BacklogKnown false before the first count); BacklogLimit its
	// bound (0: none).
	Backlog      int  `json:"backlog"`
	BacklogKnown bool `json:"backlogKnown"`
	BacklogLimit int  `json:"backlogLimit"`
	// Why sends are refused, if they are.
	NeedsReauth bool `json:"needsReauth"`
	Restricted  bool `json:"restricted"`
	// Restrictions are Meta's account restrictions in force: each refuses the sends its type
	// names (account_standing.go), not all of them.
	Restrictions []Restriction `json:"restrictions,omitempty"`
	// BanScheduledFor is when a ban Meta announced (SCHEDULE_FOR_DISABLE) takes effect, while
	// it is still ahead: sends go on until then.
	BanScheduledFor time.Time `json:"banScheduledFor,omitzero"`
	PausedUntil     time.Time `json:"pausedUntil,omitzero"`
	PausedReason    string    `json:"pausedReason,omitempty"`
}

// LearnMessagingTier records the messaging limit Meta reported when asked (the number's
// whatsapp_business_manager_messaging_limit), as if a webhook had said so.
type LearnMessagingTier struct {
	Tier string `json:"tier"`
}

// sendingStatus answers GetSendingStatus.
func (s *sender) sendingStatus(now time.Time) *SendingStatus {
	st := &SendingStatus{
		RatePerSecond: s.rate(),
		MessagingTier: s.state.messagingTier(), MessagingLimit: s.state.messagingLimit(), Initiated: s.initiated.count(now),
		Backlog: s.held(), BacklogKnown: s.bl.known, BacklogLimit: s.backlogLimit(),
		NeedsReauth: s.needsReauth(), Restricted: s.state.banned(now), Restrictions: s.state.activeRestrictions(now),
	}
	if s.state.BanScheduledFor.After(now) {
		st.BanScheduledFor = s.state.BanScheduledFor
	}
	if s.state.SendsPausedUntil.After(now) {
		st.PausedUntil, st.PausedReason = s.state.SendsPausedUntil, s.state.SendsPausedReason
	}
	return st
}

// SendingStatus returns the tenant's account of its sending.
func (c *Client) SendingStatus(ctx context.Context, tenantID string) (*SendingStatus, error) {
	return call[SendingStatus](ctx, c, KindTenant, tenantID, &GetSendingStatus{})
}

// LearnMessagingTier tells the tenant the messaging limit Meta reported.
func (c *Client) LearnMessagingTier(ctx context.Context, tenantID, tier string) error {
	_, err := call[Ack](ctx, c, KindTenant, tenantID, &LearnMessagingTier{Tier: tier})
	return err
}
