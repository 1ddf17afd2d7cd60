package webhook

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/fixtures"
	"github.com/switchboard/switchboard/transport/graph"
)

// A failed status carries an error code, and a code that restricts the tenant's number or
// account stops its sends however it arrives: the fixtures' failures are about one message
// (undeliverable, window closed, marketing caps, media) and restrict nothing; the same
// status with 131042 (payment) or 131048 (spam limit) does.
func TestFailedStatusesThatPauseSends(t *testing.T) {
	for _, name := range []string{
		"status_failed_131026.json", "status_failed_131047.json", "status_failed_131049.json",
		"status_failed_131050_marketing_optout.json", "status_failed_131053_media.json",
	} {
		t.Run(name, func(t *testing.T) {
			s := failedStatusOf(t, string(fixtures.Read(t, "webhooks/"+name)))
			if st := toStatus(s); st.Error == nil || st.PausesSends {
				t.Fatalf("%+v: want an error that pauses nothing", st)
			}
		})
	}
	body := string(fixtures.Read(t, "webhooks/status_failed_131026.json"))
	for _, code := range []string{"131042", "131048", "368"} {
		t.Run(code, func(t *testing.T) {
			s := failedStatusOf(t, strings.ReplaceAll(body, "131026", code))
			if st := toStatus(s); st.Error == nil || !st.PausesSends {
				t.Fatalf("%+v: want sends paused", st)
			}
		})
	}
}

func failedStatusOf(t *testing.T, body string) *graph.Status {
	t.Helper()
	w, err := graph.ParseWebhook([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	v, err := w.Entry[0].Changes[0].MessagesValue()
	if err != nil || len(v.Statuses) != 1 || v.Statuses[0].Status != graph.StatusFailed {
		t.Fatalf("not one failed status: %v %+v", err, v)
	}
	return &v.Statuses[0]
}

// An ACCOUNT_RESTRICTION becomes a tenant event whatever form its expiration takes: Unix
// seconds (Meta's docs, the fixture), an ISO date with a "+0000" offset (as WATI and Zernio
// document Meta sending it), or something the engine does not read, which is logged and
// left out. Before, an ISO expiration failed the whole value and the event was a dead
// letter, so the tenant was never restricted.
func TestAccountRestrictionExpirationForms(t *testing.T) {
	fixture := string(fixtures.Read(t, "webhooks/account_update_restriction.json"))
	const unix = `"expiration": 1767837600`
	if !strings.Contains(fixture, unix) {
		t.Fatal("the fixture's expiration is not " + unix)
	}
	cases := []struct {
		name       string
		expiration string
		want       time.Time
		logged     bool
	}{
		{"unix number", `1767837600`, time.Unix(1767837600, 0).UTC(), false},
		{"unix string", `"1767837600"`, time.Unix(1767837600, 0).UTC(), false},
		{"iso +0000", `"2026-04-19T13:59:20+0000"`, time.Date(2026, 4, 19, 13, 59, 20, 0, time.UTC), false},
		{"unreadable", `"soon"`, time.Time{}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w, err := graph.ParseWebhook([]byte(strings.Replace(fixture, unix, `"expiration": `+tc.expiration, 1)))
			if err != nil {
				t.Fatal(err)
			}
			var logs bytes.Buffer
			entry := w.Entry[0]
			ev, err := tenantEvent(slog.New(slog.NewTextHandler(&logs, nil)), entry.ID, entry, entry.Changes[0])
			if err != nil {
				t.Fatalf("dead letter: %v", err)
			}
			a := ev.Account
			if a == nil || a.Event != "ACCOUNT_RESTRICTION" || a.Detail != "RESTRICTED_BIZ_INITIATED_MESSAGING" || !a.Expires.Equal(tc.want) {
				t.Fatalf("account event %+v, want expiry %v", a, tc.want)
			}
			if got := strings.Contains(logs.String(), "restriction_info.expiration"); got != tc.logged {
				t.Fatalf("logged %v, want %v: %s", got, tc.logged, logs.String())
			}
		})
	}
}

// A failed status with Meta's own trouble (131000, 131016) is retryable, as the same code
// answering a send is (WHATSAPP.md §2.3); the fixtures' failures, about the message or its
// recipient, are not, and neither is a restriction (it pauses instead).
func TestFailedStatusesThatAreRetried(t *testing.T) {
	body := string(fixtures.Read(t, "webhooks/status_failed_131026.json"))
	for code, want := range map[string]bool{"131000": true, "131016": true, "131026": false, "131047": false, "131048": false, "130472": false} {
		t.Run(code, func(t *testing.T) {
			if st := toStatus(failedStatusOf(t, strings.ReplaceAll(body, "131026", code))); st.Error == nil || st.Retryable != want {
				t.Fatalf("%+v: retryable %v, want %v", st, st.Retryable, want)
			}
		})
	}
	if st := toStatus(failedStatusOf(t, string(fixtures.Read(t, "webhooks/status_failed_131047.json")))); st.Retryable {
		t.Fatalf("%+v: a closed window is not retried", st)
	}
}
