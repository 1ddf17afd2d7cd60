package fakemeta

import (
	"fmt"
	"testing"
	"time"

	json "github.com/goccy/go-json"

	"github.com/switchboard/switchboard/internal/fixtures"
)

// call is one GET, POST or DELETE to the fake, answered with its status, body and
// X-Business-Use-Case-Usage header.
func call(t *testing.T, method, url, token string) (status int, body []byte, usage string) {
	t.Helper()
	return exchange(t, method, url, token, nil, "X-Business-Use-Case-Usage")
}

// usageOf decodes an X-Business-Use-Case-Usage header naming wabaID.
func usageOf(t *testing.T, header, wabaID string) (typ string, callCount, regain int) {
	t.Helper()
	var u map[string][]struct {
		Type      string `json:"type"`
		CallCount int    `json:"call_count"`
		CPU       *int   `json:"total_cputime"`
		Time      *int   `json:"total_time"`
		Regain    *int   `json:"estimated_time_to_regain_access"`
	}
	if err := json.Unmarshal([]byte(header), &u); err != nil || len(u[wabaID]) != 1 {
		t.Fatalf("X-Business-Use-Case-Usage %q: %v", header, err)
	}
	e := u[wabaID][0]
	if e.CPU == nil || e.Time == nil || e.Regain == nil {
		t.Fatalf("X-Business-Use-Case-Usage %q lacks a member", header)
	}
	return e.Type, e.CallCount, *e.Regain
}

// sameShape fails unless body has exactly the members of the fixture's error envelope.
func sameShape(t *testing.T, body []byte, fixture string) {
	t.Helper()
	var got, want struct{ Error map[string]any }
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(fixtures.Read(t, fixture), &want); err != nil {
		t.Fatal(err)
	}
	for k, v := range want.Error {
		if _, ok := got.Error[k]; !ok {
			t.Errorf("%s lacks %s", body, k)
		}
		if k != "fbtrace_id" && fmt.Sprint(got.Error[k]) != fmt.Sprint(v) {
			t.Errorf("%s: %v, the fixture %v", k, got.Error[k], v)
		}
	}
	for k := range got.Error {
		if _, ok := want.Error[k]; !ok {
			t.Errorf("%s has %s, the fixture does not", body, k)
		}
	}
}

// FailNextCalls fails the next calls of one endpoint on one object, once each, and no
// other endpoint's or object's: an 80007 as graph/error_80007_waba_rate_limit.json shows
// it, with the usage header the engine reads estimated_time_to_regain_access from.
func TestManagementFaults(t *testing.T) {
	s := startFake(t, Config{})
	fixtureTemplates(s, wabaA)
	c := clientFor(t, s)
	v := s.URL() + "/v24.0/"

	s.FailNextCalls(EndpointTemplates, wabaA, 80007, 1)
	_, err := c.ListTemplates(bg(), tokenB, wabaB, "")
	if err != nil {
		t.Fatalf("another WABA's templates: %v", err)
	}
	if _, err := c.PhoneNumbers(bg(), tokenA, wabaA); err != nil {
		t.Fatalf("another endpoint: %v", err)
	}
	status, body, usage := call(t, "GET", v+wabaA+"/message_templates", tokenA)
	if status != 400 {
		t.Fatalf("%d %s", status, body)
	}
	sameShape(t, body, "graph/error_80007_waba_rate_limit.json")
	if typ, count, regain := usageOf(t, usage, wabaA); typ != "whatsapp_business_management" || count != 100 || regain < 1 {
		t.Fatalf("usage %q", usage)
	}
	if page, err := c.ListTemplates(bg(), tokenA, wabaA, ""); err != nil || len(page.Data) == 0 {
		t.Fatalf("the fault was for one call: %+v %v", page, err)
	}
	if got := s.TemplateListCalls(wabaA); got != 2 {
		t.Fatalf("TemplateListCalls %d: the refused call was asked for too", got)
	}

	// Through the engine's client: the wait is read from the header.
	s.FailNextCalls(EndpointTemplates, wabaA, 80007, 1)
	_, err = c.ListTemplates(bg(), tokenA, wabaA, "")
	if e := asAPIError(t, err); e.Code != 80007 || !e.IsTransient || e.RegainAccessAfter != wabaRegainMinutes {
		t.Fatalf("%+v", e)
	}

	for _, f := range []struct {
		endpoint   Endpoint
		id, method string
		path       string
		code       int
	}{
		{EndpointPhoneNumbers, wabaA, "GET", wabaA + "/phone_numbers", 131000},
		{EndpointPhoneNumber, pnA, "GET", pnA + "?fields=health_status", 2},
		{EndpointWABA, wabaA, "GET", wabaA, 4},
		{EndpointSubscribedApps, wabaA, "GET", wabaA + "/subscribed_apps", 80007},
		{EndpointSubscribedApps, wabaA, "DELETE", wabaA + "/subscribed_apps", 1},
		{EndpointSubscribedApps, wabaA, "POST", wabaA + "/subscribed_apps", 131000},
	} {
		s.FailNextCalls(f.endpoint, f.id, f.code, 2)
		for i := range 3 {
			status, body, _ := call(t, f.method, v+f.path, tokenA)
			if failed := i < 2; failed != (status != 200) {
				t.Fatalf("%s %s, call %d: %d %s", f.method, f.path, i+1, status, body)
			}
			if i < 2 && apiErr(t, status, body).Code != f.code {
				t.Fatalf("%s %s: %s", f.method, f.path, body)
			}
			stillSubscribed := (f.method == "DELETE") == (i < 2) // until the third DELETE; again after the third POST
			if f.method != "GET" && s.Subscribed(wabaA) != stillSubscribed {
				t.Fatalf("%s %s, call %d: a failed call changed the subscription, or a good one did not", f.method, f.path, i+1)
			}
		}
	}
}

// With a ManagementBudget each WABA may make that many management calls in a rolling hour;
// the next is refused with 80007 and the minutes until the oldest call leaves the hour. Every
// answer under a budget reports the share used. GET /{phone_number_id} does not count
// (WHATSAPP.md §3 lists the WABA's endpoints), nor do refused calls.
func TestManagementBudget(t *testing.T) {
	clock := newFakeClock()
	s := startFake(t, Config{ManagementBudget: 4, Clock: clock.Now})
	fixtureTemplates(s, wabaA)
	v := s.URL() + "/v24.0/"
	want := func(method, path string, status, count int) string {
		t.Helper()
		got, body, usage := call(t, method, v+path, tokenA)
		if got != status {
			t.Fatalf("%s %s: %d %s", method, path, got, body)
		}
		if _, c, _ := usageOf(t, usage, wabaA); c != count {
			t.Fatalf("%s %s: call_count %d, want %d (%s)", method, path, c, count, usage)
		}
		return usage
	}
	want("GET", wabaA+"/message_templates", 200, 25)
	clock.Advance(10 * time.Minute)
	want("GET", wabaA+"/phone_numbers", 200, 50)
	want("GET", wabaA+"/subscribed_apps", 200, 75)
	for range 3 {
		if status, body, usage := call(t, "GET", v+pnA, tokenA); status != 200 || usage != "" {
			t.Fatalf("the number node: %d %s %q", status, body, usage)
		}
	}
	want("GET", wabaA, 200, 100)
	status, body, usage := call(t, "GET", v+wabaA+"/message_templates", tokenA)
	if status != 400 {
		t.Fatalf("over the budget: %d %s", status, body)
	}
	sameShape(t, body, "graph/error_80007_waba_rate_limit.json")
	if _, _, regain := usageOf(t, usage, wabaA); regain != 50 {
		t.Fatalf("the first call leaves the hour in 50 minutes: %s", usage)
	}
	if status, body, _ := call(t, "GET", v+wabaB+"/message_templates", tokenB); status != 200 {
		t.Fatalf("another WABA has its own budget: %d %s", status, body)
	}
	if got := s.ManagementCalls(wabaA); got != 4 {
		t.Fatalf("ManagementCalls %d", got)
	}
	clock.Advance(49 * time.Minute)
	if _, err := clientFor(t, s).ListTemplates(bg(), tokenA, wabaA, ""); asAPIError(t, err).RegainAccessAfter != 1 {
		t.Fatalf("a minute left: %v", err)
	}
	clock.Advance(time.Minute)
	want("GET", wabaA+"/message_templates", 200, 100) // the first call left the hour
	if got := s.ManagementCalls(wabaA); got != 4 {
		t.Fatalf("ManagementCalls %d", got)
	}
	// Injected faults do not spend the budget either.
	clock.Advance(time.Hour)
	s.FailNextCalls(EndpointTemplates, wabaA, 131000, 1)
	if status, _, _ := call(t, "GET", v+wabaA+"/message_templates", tokenA); status != 500 {
		t.Fatal(status)
	}
	if got := s.ManagementCalls(wabaA); got != 0 {
		t.Fatalf("ManagementCalls %d", got)
	}
}
