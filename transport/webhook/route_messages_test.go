package webhook

import (
	"testing"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/transport/graph"
)

// A message's sender is the contact naming its from; when Meta writes the user's phone
// number in from and another wa_id in the contact (WHATSAPP.md: "a WhatsApp user's ID and
// phone number may not always match"), the change's lone contact is the sender, with its
// wa_id and profile name. A contact that belongs to another message of the change is not.
func TestSenderContact(t *testing.T) {
	ana := graph.Contact{WaID: "5511987654321", Profile: graph.Profile{Name: "Ana Souza"}}
	bruno := graph.Contact{WaID: "5521998877665", Profile: graph.Profile{Name: "Bruno"}}
	for _, tc := range []struct {
		name     string
		contacts []graph.Contact
		msgs     []graph.Message
		want     actors.Contact
	}{
		{"from names the contact", []graph.Contact{ana}, []graph.Message{{From: "5511987654321"}},
			actors.Contact{WaID: "5511987654321", Name: "Ana Souza"}},
		{"from without the ninth digit: the lone contact", []graph.Contact{ana}, []graph.Message{{From: "551187654321"}},
			actors.Contact{WaID: "5511987654321", Name: "Ana Souza"}},
		{"the lone contact is another message's sender", []graph.Contact{ana}, []graph.Message{{From: "551187654321"}, {From: "5511987654321"}},
			actors.Contact{}},
		{"two contacts, neither named", []graph.Contact{ana, bruno}, []graph.Message{{From: "551187654321"}},
			actors.Contact{}},
		{"no contacts", nil, []graph.Message{{From: "551187654321"}}, actors.Contact{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := senderContact(tc.contacts, tc.msgs, &tc.msgs[0]); got != tc.want {
				t.Fatalf("senderContact = %+v, want %+v", got, tc.want)
			}
		})
	}
}
