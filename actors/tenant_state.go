package actors

import (
	"maps"
	"slices"
	"strings"
	"time"
)

// Bounds of the tenant's remembered history.
const (
	maxTenantEvents = 100
)

// EventThroughputUpgrade is the phone_number_quality_update event Meta sends once a number
// moved to the 1,000 messages per second tier.
const EventThroughputUpgrade = "THROUGHPUT_UPGRADE"

// TenantState is what the tenant grain knows of its WhatsApp account besides conversations.
type TenantState struct {
	Templates map[string]TemplateState `json:"templates"`
	// TemplatesSyncedAt is when the last sync read Meta's list (zero: never synced).
	TemplatesSyncedAt time.Time     `json:"templatesSyncedAt,omitzero"`
	Quality           *QualityState `json:"quality,omitempty"`
	// Capability holds business_capability_update limits as Meta reported them.
	Capability map[string]string `json:"capability,omitempty"`
	// NeedsReauth is set when the customer uninstalled the app or removed the partner: the
	// token is dead. ReauthToken marks the token it was held then (tokenMark; "" until the
	// tenant's directory entry was read): a different one — a new signup — clears it.
	NeedsReauth bool   `json:"needsReauth,omitempty"`
	ReauthToken string `json:"reauthToken,omitempty"`
	// RemovedAt is Meta's time of the newest removal applied (PARTNER_APP_UNINSTALLED,
	// PARTNER_REMOVED), TokenAdoptedAt when a new token cleared NeedsReauth (our clock): a
	// removal no newer than the first, or older than the second, is a repeat delivery or a
	// late retry, and does not kill the token held now.
	RemovedAt      time.Time `json:"removedAt,omitzero"`
	TokenAdoptedAt time.Time `json:"tokenAdoptedAt,omitzero"`
	// HighThroughput is set by Meta's THROUGHPUT_UPGRADE event: the number may now send
	// 1,000 messages per second (WHATSAPP.md §3), and a tenant with no rate of its own is
	// paced at that instead of the default 80. Meta documents no way back down; a 130429
	// still slows the pacer.
	HighThroughput bool `json:"highThroughput,omitempty"`
	// MessagingTier is the newest messaging limit Meta reported (TIER_2K, …; messaging_limit.go),
	// as of MessagingTierAt: Meta's time of the event that said so, or when Meta was asked.
	MessagingTier   string    `json:"messagingTier,omitempty"`
	MessagingTierAt time.Time `json:"messagingTierAt,omitzero"`
	// CapabilityAt is the time of the business_capability_update Capability holds.
	CapabilityAt time.Time `json:"capabilityAt,omitzero"`
	// Restricted: Meta disabled the WABA (DISABLED_UPDATE), and every send is refused until
	// it is reinstated. Snapshots from before Restrictions set it for ACCOUNT_RESTRICTION too
	// (settleAccount sorts them out).
	Restricted bool `json:"restricted,omitempty"`
	// Restrictions are the WABA's ACCOUNT_RESTRICTIONs by type, each refusing the sends its
	// type names until it expires or the WABA is reinstated (account_standing.go).
	Restrictions []Restriction `json:"restrictions,omitempty"`
	// BanStateAt is Meta's time of the DISABLED_UPDATE Restricted follows, ReinstatedAt of
	// the newest REINSTATE: account events older than what they would change are retries
	// that arrived late, and change nothing.
	BanStateAt time.Time `json:"banStateAt,omitzero"`
	// BanScheduledFor is the waba_ban_date of a SCHEDULE_FOR_DISABLE: sends go on until
	// then, and from then on are refused as for a disabled WABA (banned) until REINSTATE.
	BanScheduledFor time.Time `json:"banScheduledFor,omitzero"`
	ReinstatedAt    time.Time `json:"reinstatedAt,omitzero"`
	// SendsPausedUntil pauses the tenant's sends after Meta restricted its number or WABA
	// (131048, 368, 131042, 131031, 131064) or its number is not registered (133010,
	// 131045, and the access codes 0, 3, 10, 200–299, 131005); SendsPausedReason is Meta's
	// title; SendsPausedAt is when the pause in force began (zero in a snapshot from before it
	// was kept: then it is taken as SendsPausedUntil − OUTBOUND_PAUSE_FOR, pauseStart).
	SendsPausedUntil  time.Time `json:"sendsPausedUntil,omitzero"`
	SendsPausedReason string    `json:"sendsPausedReason,omitempty"`
	SendsPausedAt     time.Time `json:"sendsPausedAt,omitzero"`
	// Recent is the newest tenant events, newest last, bounded.
	Recent []TenantEvent `json:"recent"`
	// Gates are each sending number's departures of the last window before the activation
	// that made them stopped; SendingSince is set while an activation that sent runs, so one
	// that finds it set knows its predecessor handed nothing over (gate_handover.go).
	Gates        map[string]GateRecord `json:"gates,omitempty"`
	SendingSince time.Time             `json:"sendingSince,omitzero"`
}

// TemplateState is one template (name + language) as the webhooks or a sync describe it.
type TemplateState struct {
	TemplateUpdate
	UpdatedAt time.Time `json:"updatedAt"`
	// Synced: the entry comes from a sync of Meta's list (UpdatedAt is when it was read).
	Synced bool `json:"synced,omitempty"`
}

// QualityState is the sending number's newest quality/throughput event.
type QualityState struct {
	QualityUpdate
	UpdatedAt time.Time `json:"updatedAt"`
}

// clone is a copy that shares nothing the grain goes on writing: replies are handed to
// other goroutines as values within a node (GET /templates ranges over Templates while the
// grain applies a sync), and a shallow copy would share its maps and slice. A template's
// Params is shared: the grain replaces it, never writes into it.
func (t TenantState) clone() TenantState { return t.checkpoint() }

// checkpoint is a copy to put back should a change not be saved (tenantGrain.changeState): it
// shares nothing. (The aliases, too many to copy per change, are not part of the state: they
// live in shards of their own, tenant_aliases.go.)
func (t TenantState) checkpoint() TenantState {
	c := t
	c.Templates, c.Capability, c.Gates = maps.Clone(t.Templates), maps.Clone(t.Capability), maps.Clone(t.Gates)
	c.Recent, c.Restrictions = slices.Clone(t.Recent), slices.Clone(t.Restrictions)
	if t.Quality != nil {
		q := *t.Quality
		c.Quality = &q
	}
	return c
}

func newTenantState() TenantState {
	return TenantState{Templates: map[string]TemplateState{}}
}

// templateKey normalises the language: webhooks write "en-US" where the API writes "en_US".
func templateKey(name, language string) string {
	return name + "|" + normalLanguage(language)
}

func normalLanguage(language string) string { return strings.ReplaceAll(language, "-", "_") }

// apply records one tenant event.
func (t *TenantState) apply(ev TenantEvent) {
	switch {
	case ev.Template != nil:
		k := templateKey(ev.Template.Name, ev.Template.Language)
		cur, known := t.Templates[k]
		if known && olderThanKnown(ev.Time, cur) {
			break
		}
		u := *ev.Template
		u.Language = normalLanguage(u.Language)
		if u.Status == "" {
			u.Status = cur.Status
		}
		if u.Category == "" {
			u.Category = cur.Category
		}
		if u.Params == nil { // webhooks carry no definition: the last one known stands
			u.Params = cur.Params
		}
		t.Templates[k] = TemplateState{TemplateUpdate: u, UpdatedAt: ev.Time}
	case ev.TemplateEdit != nil:
		// The template's components changed (message_template_components_update): the
		// definition known may be stale, and a stale one must not refuse a send that fits the
		// new one. Unchecked until a sync reads it again: one whose list was read before
		// the edit keeps the entry as it is now (UpdatedAt).
		k := templateKey(ev.TemplateEdit.Name, ev.TemplateEdit.Language)
		if cur, known := t.Templates[k]; known {
			cur.Params = nil
			if ev.Time.After(cur.UpdatedAt) {
				cur.UpdatedAt = ev.Time
			}
			t.Templates[k] = cur
		}
	case ev.Quality != nil:
		// Meta documents no way back down from the 1,000/s tier: an upgrade stands even if
		// it arrives after newer quality events.
		if ev.Quality.Event == EventThroughputUpgrade {
			t.HighThroughput = true
		}
		if t.Quality == nil || notOlder(ev.Time, t.Quality.UpdatedAt) {
			t.Quality = &QualityState{QualityUpdate: *ev.Quality, UpdatedAt: ev.Time}
		}
	case ev.Account != nil:
		t.applyAccount(ev)
	case ev.Capability != nil:
		if !notOlder(ev.Time, t.CapabilityAt) {
			break
		}
		if t.Capability == nil {
			t.Capability = map[string]string{}
		}
		for k, v := range ev.Capability {
			t.Capability[k] = v
		}
		t.CapabilityAt = ev.Time
	}
	// The tier comes from quality and capability events alike; the newest of either wins.
	if tier := messagingTierOf(ev); tier != "" && notOlder(ev.Time, t.MessagingTierAt) {
		t.MessagingTier, t.MessagingTierAt = tier, ev.Time
	}
	ev.Raw = nil // the event log keeps the decoded fields; raw bodies stay in the inbox
	t.Recent = append(t.Recent, ev)
	if n := len(t.Recent) - maxTenantEvents; n > 0 {
		t.Recent = append(t.Recent[:0], t.Recent[n:]...)
	}
}

// syncListLag is how much older than a sync a template webhook may be and still change what
// the sync read. Meta's list may lag its own webhooks: a change Meta announced a moment
// before the list was read (FetchedAt is when reading began) may not be listed yet, so its
// webhook's word stands. Seconds cover that lag and the skew between Meta's clock and ours;
// a webhook older by more describes a state the list had already replaced, arriving late
// (Meta retries for 7 days): applied, a late APPROVED would make a template the list shows
// PAUSED sendable again.
const syncListLag = 10 * time.Second

// olderThanKnown reports whether a template webhook of Meta's time at is older than the
// template's known state: a webhook applied later (Meta retries and reorders them), or a
// sync read more than syncListLag after at.
func olderThanKnown(at time.Time, cur TemplateState) bool {
	if cur.Synced {
		return at.Before(cur.UpdatedAt.Add(-syncListLag))
	}
	return at.Before(cur.UpdatedAt)
}

// notOlder reports whether an event of Meta's time at may replace what an event of time last
// set. Meta retries for days and keeps no order (WHATSAPP.md §1.3): a retry of an older
// event arriving late must not move the state back. Equal times keep arrival order; an
// event without a time is older than any with one.
func notOlder(at, last time.Time) bool { return !at.Before(last) }

// learnTier records a tier Meta answered when asked at now: it is as of now, so an event
// sent before it and arriving late does not undo it. It reports whether the tier changed.
func (t *TenantState) learnTier(tier string, now time.Time) bool {
	if _, readable := MessagingLimitOf(tier); !readable || tier == t.MessagingTier {
		return false // one it cannot read would lift the limit it knows (and be kept, any size)
	}
	t.MessagingTier, t.MessagingTierAt = tier, now
	return true
}

// settle fills in what a snapshot saved before the times of each kind were kept lacks: the
// time of its tier and of its capability limits is the newest remembered event of that
// kind. With none remembered it stays zero, and the next event of the kind applies.
func (t *TenantState) settle() {
	t.settleAccount()
	t.settleTemplateStatuses()
	if t.MessagingTierAt.IsZero() {
		ev, _ := t.newestOf(func(ev TenantEvent) bool { return messagingTierOf(ev) != "" })
		t.MessagingTierAt = ev.Time
	}
	if t.CapabilityAt.IsZero() {
		ev, _ := t.newestOf(func(ev TenantEvent) bool { return ev.Capability != nil })
		t.CapabilityAt = ev.Time
	}
}

// newestOf is the remembered event match accepts with the newest time (the later arrival
// among equal times).
func (t *TenantState) newestOf(match func(TenantEvent) bool) (TenantEvent, bool) {
	var newest TenantEvent
	found := false
	for _, ev := range t.Recent {
		if match(ev) && (!found || notOlder(ev.Time, newest.Time)) {
			newest, found = ev, true
		}
	}
	return newest, found
}
