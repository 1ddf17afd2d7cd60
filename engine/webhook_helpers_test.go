package engine_test

import (
	"context"
	"testing"
	"time"

	json "github.com/goccy/go-json"

	"github.com/switchboard/switchboard/engine/enginetest"
	"github.com/switchboard/switchboard/persistence"
	"github.com/switchboard/switchboard/transport/graph"
)

// appSecret is the test vectors' secret, which enginetest nodes accept.
const appSecret = "0123456789abcdef0123456789abcdef"

const (
	phoneA, phoneB = "109881335267193", "121784409931577"
	userWaID       = "5511987654321"
)

// postWebhook signs body like Meta and posts it.
func postWebhook(t *testing.T, n *enginetest.Node, body []byte) enginetest.Response {
	t.Helper()
	return n.Do(enginetest.Request{Method: "POST", Path: "/api/v1/webhook", Body: body,
		Header: map[string]string{graph.SignatureHeader: graph.SignatureValue(appSecret, body)}})
}

// waitProcessed waits until the processor has fully processed `entries` inbox entries.
func waitProcessed(t *testing.T, n *enginetest.Node, entries int64) {
	t.Helper()
	eventually(t, 60*time.Second, func() bool { return n.Engine.WebhookStats().Entries.Load() >= entries },
		func() string {
			s := n.Engine.WebhookStats()
			return "processed " + itoa(s.Entries.Load()) + " of " + itoa(entries) + " entries"
		})
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t testing.TB, within time.Duration, cond func() bool, what func() string) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out: %s", what())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// addTenantB puts the fixtures' tenant B in the directory (Embedded Signup is a later issue).
func addTenantB(t *testing.T, n *enginetest.Node) persistence.Tenant {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	now := time.Now().UTC()
	tb := persistence.Tenant{ID: "bbbbbbbbbbbbbbbbbbbbbbbb", Name: "Tenant B", Active: true, WABAID: "118230547702211",
		PhoneNumberID: phoneB, DisplayPhoneNumber: "+447700900123", CreatedAt: now, UpdatedAt: now}
	if err := n.Engine.Store().Directory().CreateTenant(ctx, tb); err != nil {
		t.Fatal(err)
	}
	return tb
}

type conversationView struct {
	ID            string
	TenantID      string
	UnreadCount   int
	MessageCount  int
	WindowOpen    bool
	Phone         string
	AssignedTo    string
	LastMessage   *struct{ WAMID, Text string }
	LastInboundAt time.Time
	// LastInboundWAMID is what a read receipt names.
	LastInboundWAMID string
	Contact          struct {
		WaID, UserID, Name, Username string
		MarketingOptOut              bool
		ChangedNumberTo              string
	}
}

type messageView struct {
	ID, WAMID, Direction, Type, Text, Status string
	RetractedWAMIDs                          []string
	Content                                  json.RawMessage
	Context                                  *struct {
		ReplyTo         string
		ReferredProduct *struct{ CatalogID, ProductRetailerID string }
	}
	Error *struct {
		Code                   int
		Title, Details, Reason string
		Retryable              bool
	}
	StatusTimestamps map[string]time.Time
	CanceledBy       *author
}

// author is a message's sentBy or canceledBy.
type author struct{ UserID, Role string }

func demoTenantID(t testing.TB, n *enginetest.Node) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tn, err := n.Engine.Store().Directory().TenantByPhoneNumberID(ctx, phoneA)
	if err != nil {
		t.Fatal(err)
	}
	return tn.ID
}

func messages(t *testing.T, n *enginetest.Node, token, conversationID string) []messageView {
	t.Helper()
	var all []messageView
	for page := 1; ; page++ {
		r := n.Get("/api/v1/messages/"+conversationID+"?limit=100&page="+itoa(int64(page)), token)
		if r.Status != 200 {
			t.Fatalf("messages: %d %s", r.Status, r.Body)
		}
		var ms []messageView
		r.Data(t, &ms)
		all = append(ms, all...)
		if !r.Envelope.Pagination.HasNext {
			return all
		}
	}
}
