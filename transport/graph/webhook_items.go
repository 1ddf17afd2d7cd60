package graph

import (
	"fmt"

	json "github.com/goccy/go-json"
)

// MalformedItem is one item of a `messages` value (a message, status, contact, error or
// preference) in a shape the engine does not read: Member and Index name it as Meta wrote
// it ("messages", 1), Err says why.
type MalformedItem struct {
	Member string
	Index  int
	Err    string
}

func (m MalformedItem) String() string {
	return fmt.Sprintf("%s[%d] malformed: %s", m.Member, m.Index, m.Err)
}

// itemsValue is a `messages` value whose lists are kept raw, to decode item by item.
type itemsValue struct {
	MessagingProduct string            `json:"messaging_product"`
	Metadata         Metadata          `json:"metadata"`
	Contacts         []json.RawMessage `json:"contacts"`
	Messages         []json.RawMessage `json:"messages"`
	Statuses         []json.RawMessage `json:"statuses"`
	Errors           []json.RawMessage `json:"errors"`
	UserPreferences  []json.RawMessage `json:"user_preferences"`
}

// messagesValueByItem decodes a `messages` value whose whole-value decode failed, one item
// at a time: Meta batches up to 1,000 updates, and one in a shape the engine does not read
// must not keep its neighbours from their conversations (WHATSAPP.md §1.3: never fail a
// whole batch because one item is unknown). Items that do not decode are listed in
// Malformed. The value itself, or its metadata, failing to decode is still an error: the
// change cannot be routed.
func messagesValueByItem(b []byte) (*MessagesValue, error) {
	var raw itemsValue
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, err
	}
	v := &MessagesValue{MessagingProduct: raw.MessagingProduct, Metadata: raw.Metadata}
	v.Contacts = decodeItems[Contact](raw.Contacts, "contacts", &v.Malformed)
	v.Messages = decodeItems[Message](raw.Messages, "messages", &v.Malformed)
	v.Statuses = decodeItems[Status](raw.Statuses, "statuses", &v.Malformed)
	v.Errors = decodeItems[Error](raw.Errors, "errors", &v.Malformed)
	v.UserPreferences = decodeItems[UserPreference](raw.UserPreferences, "user_preferences", &v.Malformed)
	return v, nil
}

// decodeItems decodes each item of a list, noting those that do not decode in bad.
func decodeItems[T any](items []json.RawMessage, member string, bad *[]MalformedItem) []T {
	out := make([]T, 0, len(items))
	for i, item := range items {
		var x T
		if err := json.Unmarshal(item, &x); err != nil {
			*bad = append(*bad, MalformedItem{Member: member, Index: i, Err: err.Error()})
			continue
		}
		out = append(out, x)
	}
	return out
}
