package rest

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/persistence"
	"github.com/switchboard/switchboard/transport/graph"
	"github.com/switchboard/switchboard/transport/httpx"
)

// The code a send gets now, as the status reports it, follows the order the tenant refuses in.
func TestTenantStatusNamesTheRefusal(t *testing.T) {
	paused := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name      string
		active    bool
		connected bool
		st        actors.SendingStatus
		dirReauth bool
		want      string
	}{
		{"sending", true, true, actors.SendingStatus{}, false, ""},
		{"deactivated", false, true, actors.SendingStatus{NeedsReauth: true}, false, httpx.CodeTenantInactive},
		{"no number", true, false, actors.SendingStatus{}, false, httpx.CodeNotConfigured},
		{"token revoked (tenant)", true, true, actors.SendingStatus{NeedsReauth: true, Restricted: true}, false, httpx.CodeNeedsReauth},
		{"token revoked (directory)", true, true, actors.SendingStatus{}, true, httpx.CodeNeedsReauth},
		{"restricted", true, true, actors.SendingStatus{Restricted: true}, false, httpx.CodeSendingPaused},
		{"paused", true, true, actors.SendingStatus{PausedUntil: paused, PausedReason: "Spam rate limit hit"}, false, httpx.CodeSendingPaused},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := tenantStatusView{Connected: c.connected}
			v.fromEngine(persistence.Tenant{Active: c.active, NeedsReauth: c.dirReauth}, &c.st)
			if v.Sending.Refused != c.want {
				t.Fatalf("refused %q, want %q", v.Sending.Refused, c.want)
			}
			if (v.Sending.PausedUntil != nil) != !c.st.PausedUntil.IsZero() {
				t.Fatalf("pausedUntil %v for %v", v.Sending.PausedUntil, c.st.PausedUntil)
			}
		})
	}
}

// The messaging limit's count is null when unlimited or unknown, and the backlog null before
// the engine counted it.
func TestTenantStatusLimitsView(t *testing.T) {
	v := tenantStatusView{Connected: true}
	v.fromEngine(persistence.Tenant{Active: true}, &actors.SendingStatus{MessagingTier: "TIER_UNLIMITED", Initiated: 12, BacklogLimit: 800})
	if v.MessagingLimit.Limit != nil || v.MessagingLimit.Used != 12 || v.Sending.Backlog != nil || v.Sending.BacklogLimit != 800 {
		t.Fatalf("unlimited, uncounted: %+v %+v", v.MessagingLimit, v.Sending)
	}
	v.fromEngine(persistence.Tenant{Active: true}, &actors.SendingStatus{MessagingTier: "TIER_250", MessagingLimit: 250, Backlog: 3, BacklogKnown: true})
	if v.MessagingLimit.Limit == nil || *v.MessagingLimit.Limit != 250 || v.Sending.Backlog == nil || *v.Sending.Backlog != 3 {
		t.Fatalf("TIER_250, counted: %+v %+v", v.MessagingLimit, v.Sending)
	}
}

// metaError says why Meta's half is missing, and gives Meta's code when Meta answered.
func TestTenantStatusMetaError(t *testing.T) {
	cases := []struct {
		err    error
		code   int
		prefix string
	}{
		{&actors.SendRefusedError{Code: actors.FailureTenantInactive, Reason: "the tenant is deactivated"}, 0, "Meta was not asked: the tenant is deactivated"},
		{&graph.APIError{Parsed: true, Code: 190, Message: "Error validating access token"}, 190, "Error validating access token"},
		{&graph.TransportError{Op: "GET /1", Err: errors.New("connection refused")}, 0, "Meta could not be reached ("},
	}
	for _, c := range cases {
		got := metaErrorOf(c.err)
		if got.Code != c.code || !strings.HasPrefix(got.Message, c.prefix) {
			t.Errorf("%T: %+v, want code %d and %q…", c.err, got, c.code, c.prefix)
		}
	}
	// A transport failure's text names internal addresses: the tenant admin does not get it.
	if got := metaErrorOf(&graph.TransportError{Op: "GET /v24.0/1", Err: errors.New("dial tcp 10.1.2.3:3128: connect: connection refused")}); strings.Contains(got.Message, "10.1.2.3") {
		t.Errorf("the answer leaks the transport error: %q", got.Message)
	}
}

// openapi.json describes every member GET /tenants/:id/status answers in "sending": a member
// added to the view without its schema fails here.
func TestOpenAPIDescribesTenantStatusSending(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					Properties map[string]any `json:"properties"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatal(err)
	}
	described := doc.Components.Schemas["TenantStatus"].Properties["sending"].Properties
	view := reflect.TypeFor[sendingView]()
	for i := range view.NumField() {
		name, _, _ := strings.Cut(view.Field(i).Tag.Get("json"), ",")
		if _, ok := described[name]; !ok {
			t.Errorf("TenantStatus.sending.%s is answered but not in openapi.json", name)
		}
	}
}
