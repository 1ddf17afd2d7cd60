package storetest

import (
	"fmt"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// base is a fixed instant off UTC with nanoseconds, so the suite checks that stores hand times
// back as UTC instants and does not depend on sub-millisecond precision.
var base = time.Date(2025, 3, 1, 12, 0, 0, 123456789, time.FixedZone("UTC+1", 3600))

// at is base plus n seconds: fixtures made with growing n are strictly ordered by time.
func at(n int) time.Time { return base.Add(time.Duration(n) * time.Second) }

func newUser(id, email, tenantID string, n int) persistence.User {
	role := persistence.RoleAgent
	if tenantID == "" {
		role = persistence.RolePlatformAdmin
	}
	return persistence.User{
		ID: id, Email: email, Name: "User " + id, PasswordHash: "$2a$10$hash-" + id,
		Role: role, TenantID: tenantID, Active: true, CreatedAt: at(n), UpdatedAt: at(n),
	}
}

func newTenant(id, phoneNumberID string, n int) persistence.Tenant {
	t := persistence.Tenant{
		ID: id, Name: "Tenant " + id, Active: true, CreatedAt: at(n), UpdatedAt: at(n),
	}
	if phoneNumberID != "" {
		t.WABAID = "waba-" + id
		t.PhoneNumberID = phoneNumberID
		t.DisplayPhoneNumber = "+1 555 0100"
		t.AccessToken = persistence.SealedSecret{KeyID: "k1", Nonce: []byte{1, 2, 3}, Ciphertext: []byte("sealed-" + id)}
		t.MessagesPerSecond = 80
	}
	return t
}

func newSnapshot(kind, identity string, version uint64, data string) persistence.Snapshot {
	return persistence.Snapshot{
		Kind: kind, Identity: identity, Version: version, Epoch: 7,
		Data: []byte(data), UpdatedAt: at(int(version)),
	}
}

func newBucket(conversation string, seq int, data string) persistence.Bucket {
	return persistence.Bucket{
		Conversation: conversation, Seq: seq, Count: len(data), Data: []byte(data), UpdatedAt: at(seq),
	}
}

// inboxID is a sortable inbox id, as the edge generates them.
func inboxID(n int) string { return fmt.Sprintf("in-%06d", n) }

func newEntry(n int) persistence.InboxEntry {
	return persistence.InboxEntry{
		ID: inboxID(n), ReceivedAt: at(n),
		Body: fmt.Appendf(nil, `{"object":"whatsapp_business_account","n":%d}`, n),
	}
}

func newEntries(from, to int) []persistence.InboxEntry {
	var out []persistence.InboxEntry
	for n := from; n < to; n++ {
		out = append(out, newEntry(n))
	}
	return out
}

func newDeadLetter(n int, reason string) persistence.DeadLetter {
	return persistence.DeadLetter{
		ID: fmt.Sprintf("dl-%04d", n), InboxID: inboxID(n), Reason: reason,
		Payload: []byte(`{"bad":true}`), ReceivedAt: at(n),
	}
}

func newOutbox(id, tenantID string, n int) persistence.OutboxMessage {
	return persistence.OutboxMessage{
		ID: id, TenantID: tenantID, ConversationID: "conversation/" + tenantID + "/15550001",
		PhoneNumberID: "pn-" + tenantID, Recipient: "15550001", State: persistence.OutboxQueued,
		Request:   []byte(`{"messaging_product":"whatsapp","to":"15550001","type":"text"}`),
		CreatedAt: at(n), UpdatedAt: at(n), NextAttemptAt: at(n),
	}
}

func ids[T any](items []T, id func(T) string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = id(it)
	}
	return out
}

func entryIDs(es []persistence.InboxEntry) []string {
	return ids(es, func(e persistence.InboxEntry) string { return e.ID })
}
