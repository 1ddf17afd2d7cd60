package engine_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/switchboard/switchboard/engine/enginetest"
)

// Every bad request of the foundation issue answers its documented status and code and
// leaves the directory exactly as it was.
func TestBadInputChangesNothing(t *testing.T) {
	for _, b := range enginetest.Backends {
		t.Run(string(b), func(t *testing.T) {
			n := enginetest.Start(t, enginetest.Options{Backend: b})
			n.Seed()
			admin := n.Login(adminEmail, adminPassword)
			demo := n.Login(demoEmail, demoPassword)
			agent := n.Login(agentEmail, agentPassword)

			// A second tenant, so cross-tenant attempts have a real target.
			r := n.Post("/api/v1/tenants", admin, map[string]string{"name": "Other Business"})
			if r.Status != 201 {
				t.Fatalf("create tenant: %d %s", r.Status, r.Body)
			}
			var created struct{ Tenant struct{ ID string } }
			r.Data(t, &created)
			other := created.Tenant.ID

			parts := strings.Split(agent, ".")
			payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
			tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(
				[]byte(strings.Replace(string(payload), `"agent"`, `"platform_admin"`, 1))) + "." + parts[2]
			none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{
				"sub": "x", "role": "platform_admin", "iss": "switchboard", "exp": time.Now().Add(time.Hour).Unix(),
			}).SignedString(jwt.UnsafeAllowNoneSignatureType)
			otherKey, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
				"sub": "x", "role": "platform_admin", "iss": "switchboard", "exp": time.Now().Add(time.Hour).Unix(),
			}).SignedString([]byte("a-completely-different-signing-key!!"))
			expired, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
				"sub": "x", "role": "platform_admin", "iss": "switchboard",
				"exp": time.Now().Add(-time.Minute).Unix(), "iat": time.Now().Add(-time.Hour).Unix(),
			}).SignedString([]byte(n.Config.JWTSecret))

			valid := map[string]any{"email": "new.agent@example.com", "password": "Passw0rd!x", "name": "New Agent"}
			with := func(k string, v any) map[string]any {
				m := map[string]any{}
				for kk, vv := range valid {
					m[kk] = vv
				}
				if v == nil {
					delete(m, k)
				} else {
					m[k] = v
				}
				return m
			}

			cases := []struct {
				name   string
				req    enginetest.Request
				status int
				code   string
				field  string
			}{
				{"malformed JSON", enginetest.Request{Method: "POST", Path: "/api/v1/auth/register", Token: demo, Body: `{"email": "a@b.c",`}, 400, "invalid_json", ""},
				{"not an object", enginetest.Request{Method: "POST", Path: "/api/v1/auth/register", Token: demo, Body: `[1,2]`}, 400, "invalid_json", ""},
				{"two values", enginetest.Request{Method: "POST", Path: "/api/v1/auth/register", Token: demo, Body: `{} {}`}, 400, "invalid_json", ""},
				{"wrong type", enginetest.Request{Method: "POST", Path: "/api/v1/auth/register", Token: demo, Body: with("email", 42)}, 400, "validation_failed", "email"},
				// A member given twice is refused, not decided by whichever copy the decoder kept
				// (member names match in any case, so "Name" repeats "name").
				{"member given twice", enginetest.Request{Method: "POST", Path: "/api/v1/auth/register", Token: demo, Body: `{"email":"dup.one@example.com","email":"dup.two@example.com","password":"Passw0rd!x","name":"Dup"}`}, 400, "validation_failed", "email"},
				{"member given twice in another case", enginetest.Request{Method: "POST", Path: "/api/v1/auth/register", Token: demo, Body: `{"email":"dup.three@example.com","password":"Passw0rd!x","name":"Dup","Name":"Other"}`}, 400, "validation_failed", "Name"},
				// Not UTF-8 (a Latin-1 client): refused, not stored with U+FFFD in place of é.
				{"body not UTF-8", enginetest.Request{Method: "POST", Path: "/api/v1/auth/register", Token: demo, Body: "{\"email\":\"jose@example.com\",\"password\":\"Passw0rd!x\",\"name\":\"Jos\xe9\"}"}, 400, "invalid_json", ""},
				{"unknown field", enginetest.Request{Method: "POST", Path: "/api/v1/auth/register", Token: demo, Body: with("isAdmin", true)}, 400, "validation_failed", "isAdmin"},
				{"missing field", enginetest.Request{Method: "POST", Path: "/api/v1/auth/register", Token: demo, Body: with("password", nil)}, 400, "validation_failed", "password"},
				{"bad email", enginetest.Request{Method: "POST", Path: "/api/v1/auth/register", Token: demo, Body: with("email", "not-an-email")}, 400, "validation_failed", "email"},
				{"weak password", enginetest.Request{Method: "POST", Path: "/api/v1/auth/register", Token: demo, Body: with("password", "short")}, 400, "validation_failed", "password"},
				{"bad role", enginetest.Request{Method: "POST", Path: "/api/v1/auth/register", Token: demo, Body: with("role", "root")}, 400, "validation_failed", "role"},
				// A compressed body is refused by name (RFC 9110 §8.4): it was read as plain JSON,
				// so a gzipped one was "not valid UTF-8" and one labelled br but plain was taken.
				{"compressed body", enginetest.Request{Method: "POST", Path: "/api/v1/auth/register", Token: demo, Body: gzipped(t, with("email", "gz@example.com")), Header: map[string]string{"Content-Encoding": "gzip"}}, 415, "unsupported_media_type", ""},
				{"body labelled compressed", enginetest.Request{Method: "POST", Path: "/api/v1/auth/register", Token: demo, Body: with("email", "br@example.com"), Header: map[string]string{"Content-Encoding": "br"}}, 415, "unsupported_media_type", ""},
				{"wrong content type", enginetest.Request{Method: "POST", Path: "/api/v1/auth/register", Token: demo, Body: `email=a`, ContentType: "application/x-www-form-urlencoded"}, 415, "unsupported_media_type", ""},
				{"duplicate email", enginetest.Request{Method: "POST", Path: "/api/v1/auth/register", Token: demo, Body: with("email", "AGENT@whatsapp-saas.com")}, 409, "conflict", "email"},
				{"tenant admin registers platform admin", enginetest.Request{Method: "POST", Path: "/api/v1/auth/register", Token: demo, Body: with("role", "platform_admin")}, 403, "forbidden", ""},
				{"tenant admin registers tenant admin", enginetest.Request{Method: "POST", Path: "/api/v1/auth/register", Token: demo, Body: with("role", "tenant_admin")}, 403, "forbidden", ""},
				{"tenant admin registers into another tenant", enginetest.Request{Method: "POST", Path: "/api/v1/auth/register", Token: demo, Body: with("tenantId", other)}, 404, "not_found", ""},
				{"agent registers anyone", enginetest.Request{Method: "POST", Path: "/api/v1/auth/register", Token: agent, Body: valid}, 403, "forbidden", ""},
				// A role that may not do something is told so whatever it sent: the body's
				// faults are no business of a caller refused anyway.
				{"agent registers with an empty body", enginetest.Request{Method: "POST", Path: "/api/v1/auth/register", Token: agent, Body: map[string]any{}}, 403, "forbidden", ""},
				{"agent registers with malformed JSON", enginetest.Request{Method: "POST", Path: "/api/v1/auth/register", Token: agent, Body: `{"email":`}, 403, "forbidden", ""},
				{"tenant admin registers platform admin of its tenant", enginetest.Request{Method: "POST", Path: "/api/v1/auth/register", Token: demo, Body: with("role", "platform_admin")}, 403, "forbidden", ""},
				{"tenant admin registers platform admin naming a tenant", enginetest.Request{Method: "POST", Path: "/api/v1/auth/register", Token: demo, Body: map[string]any{"email": "x@example.com", "password": "Passw0rd!x", "name": "X", "role": "platform_admin", "tenantId": other}}, 403, "forbidden", ""},
				{"tenant admin creates tenant with an empty body", enginetest.Request{Method: "POST", Path: "/api/v1/tenants", Token: demo, Body: `{}`}, 403, "forbidden", ""},
				{"agent creates tenant with malformed JSON", enginetest.Request{Method: "POST", Path: "/api/v1/tenants", Token: agent, Body: `{"name":`}, 403, "forbidden", ""},
				{"agent lists tenants", enginetest.Request{Method: "GET", Path: "/api/v1/tenants?limit=1000", Token: agent}, 403, "forbidden", ""},
				{"platform admin registers into unknown tenant", enginetest.Request{Method: "POST", Path: "/api/v1/auth/register", Token: admin, Body: with("tenantId", "ffffffffffffffffffffffff")}, 404, "not_found", ""},
				{"no token", enginetest.Request{Method: "POST", Path: "/api/v1/auth/register", Body: valid}, 401, "unauthorized", ""},
				{"expired token", enginetest.Request{Method: "POST", Path: "/api/v1/auth/register", Token: expired, Body: valid}, 401, "token_expired", ""},
				{"tampered token", enginetest.Request{Method: "POST", Path: "/api/v1/auth/register", Token: tampered, Body: valid}, 401, "token_invalid", ""},
				{"alg none token", enginetest.Request{Method: "POST", Path: "/api/v1/auth/register", Token: none, Body: valid}, 401, "token_invalid", ""},
				{"token of another key", enginetest.Request{Method: "POST", Path: "/api/v1/auth/register", Token: otherKey, Body: valid}, 401, "token_invalid", ""},
				{"agent creates tenant", enginetest.Request{Method: "POST", Path: "/api/v1/tenants", Token: agent, Body: map[string]string{"name": "Mine"}}, 403, "forbidden", ""},
				{"tenant admin creates tenant", enginetest.Request{Method: "POST", Path: "/api/v1/tenants", Token: demo, Body: map[string]string{"name": "Mine"}}, 403, "forbidden", ""},
				{"tenant without name", enginetest.Request{Method: "POST", Path: "/api/v1/tenants", Token: admin, Body: map[string]string{"name": "  "}}, 400, "validation_failed", "name"},
				{"login missing password", enginetest.Request{Method: "POST", Path: "/api/v1/auth/login", Body: map[string]string{"email": adminEmail}}, 400, "validation_failed", "password"},
				{"duplicate query parameter", enginetest.Request{Method: "GET", Path: "/api/v1/tenants?page=1&page=2", Token: admin}, 400, "duplicate_parameter", "page"},
				{"limit out of range", enginetest.Request{Method: "GET", Path: "/api/v1/tenants?limit=1000", Token: admin}, 400, "validation_failed", "limit"},
				{"limit with a sign", enginetest.Request{Method: "GET", Path: "/api/v1/tenants?limit=%2B5", Token: admin}, 400, "validation_failed", "limit"},
				{"page with a space", enginetest.Request{Method: "GET", Path: "/api/v1/conversations?page=%201", Token: demo}, 400, "validation_failed", "page"},
				{"two Authorization headers", enginetest.Request{Method: "GET", Path: "/api/v1/tenants", Token: admin, Header: map[string]string{"authorization": "Bearer " + admin}}, 401, "unauthorized", ""},
				// Pages whose offset would overflow: a panic in the tenant grain (503), a 500, or
				// page 1 again before pages were bounded.
				{"conversations of a tenant that does not exist", enginetest.Request{Method: "GET", Path: "/api/v1/conversations?tenantId=000000000000000000000000", Token: admin}, 404, "not_found", ""},
				{"templates of a tenant that does not exist", enginetest.Request{Method: "GET", Path: "/api/v1/templates?tenantId=%2F..%2F", Token: admin}, 404, "not_found", ""},
				{"page beyond the last servable", enginetest.Request{Method: "GET", Path: "/api/v1/tenants?page=10000001", Token: admin}, 400, "validation_failed", "page"},
				{"conversations page overflowing", enginetest.Request{Method: "GET", Path: "/api/v1/conversations?page=9223372036854775807", Token: demo}, 400, "validation_failed", "page"},
				{"templates page wrapping to page 1", enginetest.Request{Method: "GET", Path: "/api/v1/templates?page=4611686018427387905&limit=4", Token: demo}, 400, "validation_failed", "page"},
				{"unknown route", enginetest.Request{Method: "GET", Path: "/api/v1/nope", Token: admin}, 404, "not_found", ""},
				{"wrong method", enginetest.Request{Method: "DELETE", Path: "/api/v1/auth/login"}, 405, "method_not_allowed", ""},
			}
			before := snapshotDirectory(t, n)
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					r := n.Do(tc.req)
					if r.Status != tc.status || r.Code() != tc.code {
						t.Fatalf("want %d %s, got %d %s", tc.status, tc.code, r.Status, r.Body)
					}
					if r.Envelope.Success || r.Envelope.Message == "" {
						t.Fatalf("error envelope: %s", r.Body)
					}
					if tc.field != "" {
						found := false
						for _, d := range r.Envelope.Error.Details {
							found = found || d.Field == tc.field
						}
						if !found {
							t.Fatalf("details do not name %q: %s", tc.field, r.Body)
						}
					}
				})
			}
			// A body over API_BODY_LIMIT is refused from its declared length, before it is
			// read (the server's bound is the API's; only the webhook and an authorised upload
			// get more), so the answer comes while the client may still be writing.
			for _, size := range []int{2 << 20, 4 << 20} {
				t.Run(fmt.Sprintf("body of %d MiB", size>>20), func(t *testing.T) {
					status, body := rawOversizedPost(t, n.Engine.Addr(), "/api/v1/auth/register", size)
					if status != 413 || !strings.Contains(body, `"payload_too_large"`) {
						t.Fatalf("want 413 payload_too_large, got %d %s", status, body)
					}
				})
			}
			if after := snapshotDirectory(t, n); after != before {
				t.Fatalf("bad input changed the store:\n%s\n---\n%s", before, after)
			}
		})
	}
}

// A wrong password and an unknown email get the same answer in similar time.
func TestLoginFailuresLookAlike(t *testing.T) {
	n := enginetest.Start(t, enginetest.Options{Backend: enginetest.Embedded})
	n.Seed()
	attempt := func(email string) (enginetest.Response, time.Duration) {
		start := time.Now()
		r := n.Post("/api/v1/auth/login", "", map[string]string{"email": email, "password": "Wrong@123456"})
		return r, time.Since(start)
	}
	attempt(adminEmail) // warm up
	// The fastest of four tries each (with the warm-up, nine logins: RATE_LIMIT_AUTH allows
	// ten): a pause of the loaded machine only adds time, so the fastest is the work itself.
	// (Sums of three let one pause of a few hundred ms on one side pass the bound.)
	known, unknown := time.Duration(math.MaxInt64), time.Duration(math.MaxInt64)
	for range 4 {
		r1, d1 := attempt(adminEmail)
		r2, d2 := attempt("nobody@example.com")
		if r1.Status != 401 || r2.Status != 401 || r1.Code() != r2.Code() || r1.Envelope.Message != r2.Envelope.Message {
			t.Fatalf("answers differ: %s vs %s", r1.Body, r2.Body)
		}
		known, unknown = min(known, d1), min(unknown, d2)
	}
	// Both pay one bcrypt comparison; a missing one would make unknown emails ~100x faster.
	// The bound is loose on purpose: it catches the leak, not scheduler noise.
	if ratio := float64(known) / float64(unknown); ratio > 3 || ratio < 1.0/3 {
		t.Fatalf("timing differs: wrong password %v, unknown email %v (the fastest of 4 each)", known, unknown)
	}
}

// rawOversizedPost announces a body larger than the server accepts and sends only its start,
// as a client streaming a huge upload would. fasthttp answers from the headers and closes,
// so a client that insisted on writing the whole body would see a reset instead of the
// answer; reading it needs a raw socket.
func rawOversizedPost(t *testing.T, addr, path string, size int) (int, string) {
	t.Helper()
	status, _, body := rawExchange(t, addr, fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{\"name\":\"", path, addr, size))
	return status, body
}

// rawExchange writes request as it is on a socket of its own and reads the answer: for
// requests an HTTP client would not send as written.
func rawExchange(t *testing.T, addr, request string) (int, http.Header, string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// gzipped is v as JSON, gzip-compressed.
func gzipped(t *testing.T, v any) []byte {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
