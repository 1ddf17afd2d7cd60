package webhook

import (
	"testing"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/transport/graph"
)

// A message's sender is the contact naming its from; when Meta writes the user's phone
// number in from and another wa_id in the contact (WHATSAPP.md: "a WhatsApp user's ID and
// phone number may not always match"), the change's lone contact is the sender, with its
// wa_id and profile name. A contact that belongs to someone else of the change (another
// message's sender, a status's recipient, a preference's user) is not: a contact-less
// user_changed_number notice batched with a status to Bruno is not Bruno's.
func TestSenderContact(t *testing.T) {
	ana := graph.Contact{WaID: "5511987654321", Profile: graph.Profile{Name: "Ana Souza"}}
	bruno := graph.Contact{WaID: "5521998877665", UserID: "BR.1234567890", Profile: graph.Profile{Name: "Bruno"}}
	anaNotice := graph.Message{From: "5511987654321", Type: "system"}
	for _, tc := range []struct {
		name string
		v    graph.MessagesValue
		want actors.Contact
	}{
		{"from names the contact", graph.MessagesValue{Contacts: []graph.Contact{ana}, Messages: []graph.Message{{From: "5511987654321"}}},
			actors.Contact{WaID: "5511987654321", Name: "Ana Souza"}},
		{"from without the ninth digit: the lone contact", graph.MessagesValue{Contacts: []graph.Contact{ana}, Messages: []graph.Message{{From: "551187654321"}}},
			actors.Contact{WaID: "5511987654321", Name: "Ana Souza"}},
		{"the lone contact is another message's sender", graph.MessagesValue{Contacts: []graph.Contact{ana}, Messages: []graph.Message{{From: "551187654321"}, {From: "5511987654321"}}},
			actors.Contact{}},
		{"two contacts, neither named", graph.MessagesValue{Contacts: []graph.Contact{ana, bruno}, Messages: []graph.Message{{From: "551187654321"}}},
			actors.Contact{}},
		{"no contacts", graph.MessagesValue{Messages: []graph.Message{{From: "551187654321"}}}, actors.Contact{}},
		{"the lone contact is a status's recipient", graph.MessagesValue{Contacts: []graph.Contact{bruno}, Messages: []graph.Message{anaNotice},
			Statuses: []graph.Status{{RecipientID: "5521998877665"}}}, actors.Contact{}},
		{"the lone contact is a status's recipient by user id", graph.MessagesValue{Contacts: []graph.Contact{bruno}, Messages: []graph.Message{anaNotice},
			Statuses: []graph.Status{{RecipientUserID: "BR.1234567890"}}}, actors.Contact{}},
		{"the lone contact is a preference's user", graph.MessagesValue{Contacts: []graph.Contact{bruno}, Messages: []graph.Message{anaNotice},
			UserPreferences: []graph.UserPreference{{WaID: "5521998877665"}}}, actors.Contact{}},
		{"a status to someone else leaves the ninth-digit case alone", graph.MessagesValue{Contacts: []graph.Contact{ana}, Messages: []graph.Message{{From: "551187654321"}},
			Statuses: []graph.Status{{RecipientID: "5521998877665"}}}, actors.Contact{WaID: "5511987654321", Name: "Ana Souza"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := senderContact(&tc.v, &tc.v.Messages[0]); got != tc.want {
				t.Fatalf("senderContact = %+v, want %+v", got, tc.want)
			}
		})
	}
}
