package fakemeta

import (
	"strconv"
	"time"

	json "github.com/goccy/go-json"

	"github.com/switchboard/switchboard/transport/graph"
)

// The webhook bodies fakemeta posts, shaped like fixtures/webhooks (inbound_text.json,
// status_*.json): v24+ payloads, so statuses carry no conversation block, serialised as
// Meta does (metaEscape). They are our own structs rather than graph's decoding types
// because Meta omits absent members, and the decoding types (rightly) have no omitempty.

type hookBody struct {
	Object string      `json:"object"`
	Entry  []hookEntry `json:"entry"`
}

type hookEntry struct {
	ID      string       `json:"id"`
	Changes []hookChange `json:"changes"`
}

type hookChange struct {
	Value hookValue `json:"value"`
	Field string    `json:"field"`
}

type hookValue struct {
	MessagingProduct string         `json:"messaging_product"`
	Metadata         graph.Metadata `json:"metadata"`
	Contacts         []hookContact  `json:"contacts,omitempty"`
	Messages         []hookMessage  `json:"messages,omitempty"`
	Statuses         []hookStatus   `json:"statuses,omitempty"`
}

// hookContact is the user a change is about. Status webhooks of the 2026 BSUID shape name
// the user by user_id and may leave wa_id out (WHATSAPP.md §1.5).
type hookContact struct {
	Profile struct {
		Name string `json:"name"`
	} `json:"profile"`
	WaID   string `json:"wa_id,omitempty"`
	UserID string `json:"user_id,omitempty"`
}

// hookMessage is one inbound message. A user known only by a BSUID writes with
// from_user_id and no from (webhooks/inbound_text_bsuid_no_phone.json).
type hookMessage struct {
	From       string      `json:"from,omitempty"`
	FromUserID string      `json:"from_user_id,omitempty"`
	ID         string      `json:"id"`
	Timestamp  string      `json:"timestamp"`
	Type       string      `json:"type"`
	Text       *graph.Text `json:"text,omitempty"`
}

type hookStatus struct {
	ID                    string         `json:"id"`
	Status                string         `json:"status"`
	Timestamp             string         `json:"timestamp"`
	RecipientID           string         `json:"recipient_id,omitempty"`
	RecipientUserID       string         `json:"recipient_user_id,omitempty"`
	BizOpaqueCallbackData string         `json:"biz_opaque_callback_data,omitempty"`
	Pricing               *graph.Pricing `json:"pricing,omitempty"`
	Errors                []graph.Error  `json:"errors,omitempty"`
}

// where is the business number a webhook is about.
type where struct {
	wabaID, phoneNumberID, display string
}

func (w where) body(v hookValue) []byte {
	v.MessagingProduct = graph.MessagingProduct
	v.Metadata = graph.Metadata{DisplayPhoneNumber: w.display, PhoneNumberID: w.phoneNumberID}
	b, _ := json.MarshalWithOption(hookBody{Object: graph.ObjectWhatsApp, Entry: []hookEntry{{
		ID: w.wabaID, Changes: []hookChange{{Value: v, Field: graph.FieldMessages}},
	}}}, json.DisableHTMLEscape())
	return metaEscape(b) // these types always marshal
}

func unixString(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

// inboundText is a user's text message from waID (digits) and, when userID is set, their
// BSUID too (the 2026 shape: contacts[{profile, wa_id, user_id}], from and from_user_id),
// or, when waID is "", from the BSUID userID alone: no wa_id or from.
func (w where) inboundText(waID, userID, name, wamid, text string, at time.Time) []byte {
	c := hookContact{WaID: waID, UserID: userID}
	c.Profile.Name = name
	m := hookMessage{ID: wamid, Timestamp: unixString(at), Type: graph.TypeText, Text: &graph.Text{Body: text},
		From: waID, FromUserID: userID}
	return w.body(hookValue{Contacts: []hookContact{c}, Messages: []hookMessage{m}})
}

// status is one status of a sent message, with the contacts block it carries (if any).
func (w where) status(st hookStatus, contacts []hookContact) []byte {
	return w.body(hookValue{Contacts: contacts, Statuses: []hookStatus{st}})
}

// batchBody is one webhook of the WABA carrying items, in order: one change per number
// (statuses in one change's value, its contacts block the union of theirs), all in one
// entry — or, with split, one entry (and change) per message.
func batchBody(wabaID string, items []*statusItem, split bool) []byte {
	type group struct {
		at    where
		value hookValue
	}
	var groups []*group
	byKey := map[string]*group{}
	for _, it := range items {
		key := it.at.phoneNumberID
		if split {
			key += "/" + it.status.ID
		}
		g := byKey[key]
		if g == nil {
			g = &group{at: it.at}
			g.value.MessagingProduct = graph.MessagingProduct
			g.value.Metadata = graph.Metadata{DisplayPhoneNumber: it.at.display, PhoneNumberID: it.at.phoneNumberID}
			byKey[key] = g
			groups = append(groups, g)
		}
		g.value.Statuses = append(g.value.Statuses, it.status)
		for _, c := range it.contacts {
			if !hasContact(g.value.Contacts, c) {
				g.value.Contacts = append(g.value.Contacts, c)
			}
		}
	}
	body := hookBody{Object: graph.ObjectWhatsApp}
	for _, g := range groups {
		change := hookChange{Value: g.value, Field: graph.FieldMessages}
		if split || len(body.Entry) == 0 {
			body.Entry = append(body.Entry, hookEntry{ID: wabaID})
		}
		e := &body.Entry[len(body.Entry)-1]
		e.Changes = append(e.Changes, change)
	}
	b, _ := json.MarshalWithOption(body, json.DisableHTMLEscape())
	return metaEscape(b) // these types always marshal
}

func hasContact(cs []hookContact, c hookContact) bool {
	for _, x := range cs {
		if x.WaID == c.WaID && x.UserID == c.UserID {
			return true
		}
	}
	return false
}

// failure is the errors member of a failed status (title == message, as Meta sends).
func failure(code int, details string) []graph.Error {
	title, def, _ := errorText(code)
	if details == "" {
		details = def
	}
	e := graph.Error{Code: code, Title: title, Message: title, Href: "/documentation/business-messaging/whatsapp/support/error-codes"}
	e.ErrorData.Details = details
	return []graph.Error{e}
}
