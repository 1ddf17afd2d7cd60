package actors

import (
	"slices"
	"strings"

	"github.com/switchboard/switchboard/internal/phone"
	"github.com/switchboard/switchboard/persistence"
)

// inboxIndex is a tenant's conversation summaries, for inbox listings. Listing sorts the
// matches (n log n in the tenant's conversations): fine for tens of thousands per tenant;
// a tenant beyond that wants a maintained order (README, "Limits").
type inboxIndex struct {
	// byID is keyed by indexKey, as sends name conversations.
	byID map[string]ConversationSummary
}

// indexKey is the key the index keeps a conversation's summary under: its id with the
// contact key in its line form (phone.LineKey), as a send names the conversation
// (ParseConversationID). A conversation stored before line keys under the other form of a
// Brazilian or Mexican mobile keeps that id (conversationGrain.loadSnapshot), and under it
// the tenant's checks by a send's id (the window, the customer's stop, a changed number)
// found no copy of it.
// Every flush's summary goes through it, so an id already in its line form, nearly every
// one, is returned as it is, without building a string.
func indexKey(id string) string {
	tenantID, key, ok := ParseConversationID(id)
	if !ok || id[len(tenantID)+1:] == key {
		return id
	}
	return ConversationID(tenantID, key)
}

func newInboxIndex() *inboxIndex { return &inboxIndex{byID: map[string]ConversationSummary{}} }

// upsert keeps s under key (indexKey(s.ID)) unless a newer version is already kept (pushes
// may arrive out of order), and reports whether it did.
func (x *inboxIndex) upsert(key string, s ConversationSummary) bool {
	if cur, ok := x.byID[key]; ok && cur.Version > s.Version {
		return false
	}
	x.byID[key] = s
	return true
}

func (x *inboxIndex) query(q *QueryConversations) ConversationPage {
	search := strings.ToLower(strings.TrimSpace(q.Search))
	searchDigits := phoneDigits(search)
	searchLine := phone.LineKey(searchDigits) // once per query, not per summary
	var hits []ConversationSummary
	for _, s := range x.byID {
		if s.MessageCount == 0 && s.LastActivityAt.IsZero() {
			// Nothing in it to show: statuses held for a record a crash lost, before the
			// sender restores it, or a conversation an older engine made of another app's
			// statuses. It joins the inbox with its first message or activity.
			continue
		}
		if q.Status != "" && s.Status != q.Status {
			continue
		}
		if q.AssignedTo != "" && !(s.AssignedTo == q.AssignedTo || q.AssignedTo == "none" && s.AssignedTo == "") {
			continue
		}
		if q.Unread != nil && (s.UnreadCount > 0) != *q.Unread {
			continue
		}
		if q.After != nil && CursorOf(&s).Compare(*q.After) <= 0 {
			continue
		}
		if search != "" && !strings.Contains(strings.ToLower(s.Contact.Name), search) &&
			!strings.Contains(strings.ToLower(s.Contact.Username), search) &&
			!(searchDigits != "" && matchesNumber(&s, searchDigits, searchLine)) {
			continue
		}
		hits = append(hits, s)
	}
	slices.SortFunc(hits, func(a, b ConversationSummary) int { return CursorOf(&a).Compare(CursorOf(&b)) })
	page := ConversationPage{Total: len(hits), Items: []ConversationSummary{}}
	from := persistence.Page{Page: q.Page, Limit: q.Limit}.Skip()
	if q.Page < 1 || q.Limit < 1 || from >= len(hits) {
		return page
	}
	page.Items = hits[from:min(len(hits), from+q.Limit)]
	return page
}

// matchesNumber reports whether a search's digits are part of the contact's number as Meta
// last gave it or of its line key (phone.LineKey): a Brazilian or Mexican mobile is found
// by either of its forms, whichever one Meta uses. line is phone.LineKey(digits).
func matchesNumber(s *ConversationSummary, digits, line string) bool {
	return strings.Contains(s.Contact.WaID, digits) ||
		strings.Contains(phone.LineKey(s.Contact.WaID), line)
}

// phoneDigits is the digits of a search written as a phone number ("+55 11 98765-4321",
// "(555) 012-3456"), which match a contact's wa_id; "" when the search is not one.
func phoneDigits(search string) string {
	var b strings.Builder
	for _, r := range search {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case !strings.ContainsRune(" +-().", r):
			return ""
		}
	}
	return b.String()
}
