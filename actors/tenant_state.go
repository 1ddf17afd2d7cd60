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
	maxAliases      = 100_000
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
	// NeedsReauth is set when the customer uninstalled the app: the token is dead.
	NeedsReauth bool `json:"needsReauth,omitempty"`
	// HighThroughput is set by Meta's THROUGHPUT_UPGRADE event: the number may now send
	// 1,000 messages per second (WHATSAPP.md §3), and a tenant with no rate of its own is
	// paced at that instead of the default 80. Meta documents no way back down; a 130429
	// still slows the pacer.
	HighThroughput bool `json:"highThroughput,omitempty"`
	// MessagingTier is the newest messaging limit Meta reported (TIER_2K, …; messaging_limit.go).
	MessagingTier string `json:"messagingTier,omitempty"`
	// Restricted is set by ACCOUNT_RESTRICTION / DISABLED_UPDATE until reinstated.
	Restricted bool `json:"restricted,omitempty"`
	// SendsPausedUntil pauses the tenant's sends after Meta restricted its number or WABA
	// (131048, 368, 131042, 131031); SendsPausedReason is Meta's title.
	SendsPausedUntil  time.Time `json:"sendsPausedUntil,omitzero"`
	SendsPausedReason string    `json:"sendsPausedReason,omitempty"`
	// Recent is the newest tenant events, newest last, bounded.
	Recent []TenantEvent `json:"recent"`
	// Aliases maps business-scoped user ids to the wa_id conversations are keyed by.
	Aliases map[string]string `json:"aliases,omitempty"`
}

// TemplateState is one template (name + language) as the webhooks or a sync describe it.
type TemplateState struct {
	TemplateUpdate
	UpdatedAt time.Time `json:"updatedAt"`
	// Synced: the entry comes from a sync of Meta's list (UpdatedAt is when it was read).
	Synced bool `json:"synced,omitempty"`
}

// QualityState is the sending number's last quality/throughput event.
type QualityState struct {
	QualityUpdate
	UpdatedAt time.Time `json:"updatedAt"`
}

// clone is a copy that shares nothing the grain goes on writing: replies are handed to
// other goroutines as values within a node (GET /templates ranges over Templates while the
// grain applies a sync), and a shallow copy would share its maps and slice.
func (t TenantState) clone() TenantState {
	c := t
	c.Templates, c.Capability, c.Aliases = maps.Clone(t.Templates), maps.Clone(t.Capability), maps.Clone(t.Aliases)
	c.Recent = slices.Clone(t.Recent)
	if t.Quality != nil {
		q := *t.Quality
		c.Quality = &q
	}
	return c
}

func newTenantState() TenantState {
	return TenantState{Templates: map[string]TemplateState{}, Aliases: map[string]string{}}
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
		if known && !cur.Synced && ev.Time.Before(cur.UpdatedAt) {
			// Meta retries and reorders webhooks: an older one arriving late changes nothing.
			// A synced entry does not hold a webhook back: Meta's list may lag its webhooks.
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
		t.Templates[k] = TemplateState{TemplateUpdate: u, UpdatedAt: ev.Time}
	case ev.Quality != nil:
		t.Quality = &QualityState{QualityUpdate: *ev.Quality, UpdatedAt: ev.Time}
		if ev.Quality.Event == EventThroughputUpgrade {
			t.HighThroughput = true
		}
	case ev.Account != nil:
		switch ev.Account.Event {
		case "PARTNER_APP_UNINSTALLED", "PARTNER_REMOVED":
			// Only a new token (Embedded Signup) clears this: a later PARTNER_ADDED or
			// PARTNER_APP_INSTALLED does not bring the revoked token back.
			t.NeedsReauth = true
		case "ACCOUNT_RESTRICTION":
			t.Restricted = true
		case "DISABLED_UPDATE":
			t.Restricted = ev.Account.Detail != "REINSTATE"
		}
	case ev.Capability != nil:
		if t.Capability == nil {
			t.Capability = map[string]string{}
		}
		for k, v := range ev.Capability {
			t.Capability[k] = v
		}
	}
	if tier := messagingTierOf(ev); tier != "" {
		t.MessagingTier = tier
	}
	ev.Raw = nil // the event log keeps the decoded fields; raw bodies stay in the inbox
	t.Recent = append(t.Recent, ev)
	if n := len(t.Recent) - maxTenantEvents; n > 0 {
		t.Recent = append(t.Recent[:0], t.Recent[n:]...)
	}
}

// learnAlias remembers that userID writes from waID.
func (t *TenantState) learnAlias(userID, waID string) bool {
	if userID == "" || waID == "" || t.Aliases[userID] == waID || len(t.Aliases) >= maxAliases {
		return false
	}
	t.Aliases[userID] = waID
	return true
}
