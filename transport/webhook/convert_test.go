package webhook

import (
	"strings"
	"testing"

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
