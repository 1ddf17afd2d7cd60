package graph

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/fixtures"
)

// The class every error fixture must get (WHATSAPP.md §2.3).
var fixtureClasses = map[int]ErrorClass{
	100:    Fail,
	130429: RetryThroughput,
	131000: RetryTransient,
	131009: Fail,
	131016: RetryTransient,
	131042: PauseTenant,
	131047: Fail,
	131048: PauseTenant,
	131056: RetryPair,
	132000: FailTemplate,
	132001: FailTemplate,
	132012: FailTemplate,
	132015: FailTemplate,
	133010: PauseTenant,
	190:    Reauth,
	200:    PauseTenant,
	368:    PauseTenant,
	4:      RetryTransient,
	80007:  RetryTransient,
}

func TestErrorFixtures(t *testing.T) {
	files := fixtures.Glob(t, "graph/error_*.json")
	if len(files) < len(fixtureClasses) {
		t.Fatalf("only %d error fixtures", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			// error_<code>_<what>.json
			code, err := strconv.Atoi(strings.SplitN(strings.TrimPrefix(filepath.Base(f), "error_"), "_", 2)[0])
			if err != nil {
				t.Fatal(err)
			}
			want, ok := fixtureClasses[code]
			if !ok {
				t.Fatalf("no expected class for %d", code)
			}
			e := ParseAPIError(400, fixtures.Read(t, f))
			if !e.Parsed || e.Code != code || e.Type != "OAuthException" || e.FBTraceID == "" || e.Message == "" {
				t.Fatalf("%+v", e)
			}
			if got := e.Class(); got != want {
				t.Fatalf("class %v, want %v", got, want)
			}
			if got := ClassOf(fmt.Errorf("send: %w", e)); got != want {
				t.Fatalf("ClassOf through wrapping: %v", got)
			}
			if strings.Contains(string(fixtures.Read(t, f)), `"details"`) && e.Details == "" {
				t.Fatal("details lost")
			}
			if code == 190 && e.Subcode == 0 {
				t.Fatal("190 subcode lost")
			}
			if (code == 4 || code == 80007) && !e.IsTransient {
				t.Fatal("is_transient lost")
			}
		})
	}
}

func TestClassRules(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want ErrorClass
	}{
		{"proxy 502 page", ParseAPIError(502, []byte("<html>bad gateway</html>")), RetryTransient},
		{"empty 429", ParseAPIError(429, nil), RetryTransient},
		{"empty 404", ParseAPIError(404, nil), Fail},
		{"permission 230", &APIError{Parsed: true, Code: 230, HTTPStatus: 403}, PauseTenant},
		{"permission 10", &APIError{Parsed: true, Code: 10, HTTPStatus: 403}, PauseTenant},
		{"access denied 131005", &APIError{Parsed: true, Code: 131005, HTTPStatus: 403}, PauseTenant},
		{"capability 3 even on 500", &APIError{Parsed: true, Code: 3, HTTPStatus: 500}, PauseTenant},
		{"auth 0", &APIError{Parsed: true, Code: 0, HTTPStatus: 401}, PauseTenant},
		{"payment 131042", &APIError{Parsed: true, Code: 131042, HTTPStatus: 400}, PauseTenant},
		{"unknown code on 503", &APIError{Parsed: true, Code: 999999, HTTPStatus: 503}, RetryTransient},
		{"unknown code flagged transient", &APIError{Parsed: true, Code: 999998, HTTPStatus: 400, IsTransient: true}, RetryTransient},
		{"unknown code", &APIError{Parsed: true, Code: 131026, HTTPStatus: 400}, Fail},
		{"template disabled", &APIError{Parsed: true, Code: 132016}, FailTemplate},
		{"locked", &APIError{Parsed: true, Code: 131031}, PauseTenant},
		{"number not registered", &APIError{Parsed: true, Code: 133010, HTTPStatus: 400}, PauseTenant},
		{"registration error even on 500", &APIError{Parsed: true, Code: 131045, HTTPStatus: 500}, PauseTenant},
		{"classification violation limit", &APIError{Parsed: true, Code: 131064, HTTPStatus: 400}, PauseTenant},
		{"experiment holdout", &APIError{Parsed: true, Code: 130472, HTTPStatus: 400}, Fail},
		{"marketing cap per user", &APIError{Parsed: true, Code: 131049, HTTPStatus: 400}, Fail},
		{"maintenance", &APIError{Parsed: true, Code: 131057}, RetryTransient},
		{"transport", &TransportError{Op: "POST /x", Err: errors.New("reset")}, RetryTransient},
		{"other", errors.New("encode"), Fail},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := ClassOf(c.err); got != c.want {
				t.Fatalf("got %v want %v", got, c.want)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	pair := &APIError{Parsed: true, Code: 131056}
	for attempt, base := range []time.Duration{time.Second, 4 * time.Second, 16 * time.Second, 64 * time.Second} {
		d := Backoff(pair, attempt)
		if d < base || d > base+base/10 {
			t.Fatalf("pair attempt %d: %v, want 4^%d s (+≤10%%)", attempt, d, attempt)
		}
	}
	if d := Backoff(pair, 40); d < pairCap || d > pairCap+pairCap/10 {
		t.Fatalf("pair cap: %v", d)
	}
	thr := &APIError{Parsed: true, Code: 130429}
	for attempt := range 10 {
		full := exponential(throughputBase, attempt, throughputCap)
		if d := Backoff(thr, attempt); d < full/2 || d > full {
			t.Fatalf("throughput attempt %d: %v not in [%v, %v]", attempt, d, full/2, full)
		}
	}
	if d := Backoff(&APIError{Parsed: true, Code: 80007, RegainAccessAfter: 7}, 0); d < 7*time.Minute || d > 14*time.Minute {
		t.Fatalf("80007 with regain time: %v", d)
	}
	if d := Backoff(&APIError{Parsed: true, Code: 131057}, 3); d < time.Minute || d > 2*time.Minute {
		t.Fatalf("131057: %v", d)
	}
	if d := Backoff(&TransportError{Op: "x", Err: errors.New("reset")}, 30); d < transientCap/2 || d > transientCap {
		t.Fatalf("transport cap: %v", d)
	}
	for _, code := range []int{131047, 190, 132001, 368} {
		if d := Backoff(&APIError{Parsed: true, Code: code}, 0); d != 0 {
			t.Fatalf("%d must not be retried, got %v", code, d)
		}
	}
}

func TestRegainAccessHeader(t *testing.T) {
	h := `{"104996122399160":[{"type":"whatsapp_business_management","call_count":100,"estimated_time_to_regain_access":12},{"type":"whatsapp","estimated_time_to_regain_access":"3"}]}`
	if got := regainAccessMinutes([]byte(h)); got != 12 {
		t.Fatalf("got %d", got)
	}
	if regainAccessMinutes([]byte("nonsense")) != 0 || regainAccessMinutes(nil) != 0 {
		t.Fatal("unreadable header must be 0")
	}
}

func TestAPIErrorEnvelopeRoundTrip(t *testing.T) {
	for _, f := range fixtures.Glob(t, "graph/error_*.json") {
		e := ParseAPIError(400, fixtures.Read(t, f))
		b := mustMarshal(t, e.Envelope())
		assertSameJSON(t, fixtures.Read(t, f), b)
	}
}

// A failed status webhook is answered by sending the message again for Meta's own trouble, for
// its rate limits (the number's throughput, the pair's limit: WHATSAPP.md §2.2 and §2.3 retry
// them on either path) and for a restriction (after the pause it causes), never for a failure
// about the message.
func TestRetryableFailure(t *testing.T) {
	for code, want := range map[int]bool{131000: true, 131016: true, 131048: true, 368: true, 131042: true, 10: true,
		130429: true, 131056: true,
		131026: false, 131047: false, 131049: false, 131050: false, 132015: false, 190: false} {
		if got := RetryableFailure(code); got != want {
			t.Errorf("RetryableFailure(%d) = %v, want %v", code, got, want)
		}
	}
}

// RateLimited is Graph's own answer of the app's or a WABA's rate limit, not a number's
// throughput, and not an edge's 429 without Graph's body.
func TestRateLimited(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  APIError
		want bool
	}{
		{"the app's (4)", APIError{Parsed: true, Code: CodeAppRateLimit}, true},
		{"a WABA's (80007)", APIError{Parsed: true, Code: CodeWABARateLimit}, true},
		{"a number's throughput (130429)", APIError{Parsed: true, Code: 130429}, false},
		{"an edge's 429 without Graph's body", APIError{HTTPStatus: 429}, false},
	} {
		if got := tc.err.RateLimited(); got != tc.want {
			t.Errorf("%s: RateLimited() = %v, want %v", tc.name, got, tc.want)
		}
	}
}
