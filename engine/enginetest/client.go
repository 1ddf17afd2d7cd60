package enginetest

import (
	"testing"
	"time"

	json "github.com/goccy/go-json"
	"github.com/valyala/fasthttp"
)

// Client speaks to a node's REST edge over a real socket.
type Client struct {
	t    testing.TB
	base string
	http *fasthttp.Client
}

// NewClient returns a client for base (http://host:port).
func NewClient(t testing.TB, base string) *Client {
	return &Client{t: t, base: base, http: &fasthttp.Client{
		ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second,
		MaxResponseBodySize: 16 << 20,
	}}
}

// Response is an answer with its envelope decoded.
type Response struct {
	Status   int
	Header   map[string]string
	Body     []byte
	Envelope Envelope
}

// Envelope is API.md's response shape.
type Envelope struct {
	Success    bool            `json:"success"`
	Message    string          `json:"message"`
	Data       json.RawMessage `json:"data"`
	Pagination *struct {
		Total, Page, Limit, Pages int
		HasNext, HasPrev          bool
		// NextBefore is the cursor of the next page (?before=), when there is one.
		NextBefore string
	} `json:"pagination"`
	Error *struct {
		Code    string `json:"code"`
		Details []struct {
			Field   string `json:"field"`
			Message string `json:"message"`
		} `json:"details"`
	} `json:"error"`
}

// Request describes one call; Body is sent as-is (string or []byte) or JSON-encoded.
type Request struct {
	Method      string
	Path        string
	Token       string
	Body        any
	ContentType string
	Header      map[string]string // added to the request, beside Token's Authorization
}

// Do sends r and decodes the answer; transport failures fail the test.
func (c *Client) Do(r Request) Response {
	c.t.Helper()
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.Header.SetMethod(r.Method)
	req.SetRequestURI(c.base + r.Path)
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	for k, v := range r.Header {
		req.Header.Add(k, v) // added: a test may send a header twice (Authorization beside Token)
	}
	if r.Body != nil {
		ct := r.ContentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.SetContentType(ct)
		switch b := r.Body.(type) {
		case string:
			req.SetBodyString(b)
		case []byte:
			req.SetBody(b)
		default:
			enc, err := json.Marshal(b)
			if err != nil {
				c.t.Fatalf("enginetest: encode body: %v", err)
			}
			req.SetBody(enc)
		}
	}
	if err := c.http.DoTimeout(req, resp, 30*time.Second); err != nil {
		c.t.Fatalf("enginetest: %s %s: %v", r.Method, r.Path, err)
	}
	out := Response{Status: resp.StatusCode(), Header: map[string]string{}, Body: append([]byte(nil), resp.Body()...)}
	for k, v := range resp.Header.All() {
		out.Header[string(k)] = string(v)
	}
	if len(out.Body) > 0 && out.Body[0] == '{' {
		if err := json.Unmarshal(out.Body, &out.Envelope); err != nil {
			c.t.Fatalf("enginetest: %s %s answered invalid JSON: %v\n%s", r.Method, r.Path, err, out.Body)
		}
	}
	return out
}

// Get is Do for a GET.
func (c *Client) Get(path, token string) Response {
	c.t.Helper()
	return c.Do(Request{Method: "GET", Path: path, Token: token})
}

// Post is Do for a JSON POST.
func (c *Client) Post(path, token string, body any) Response {
	c.t.Helper()
	return c.Do(Request{Method: "POST", Path: path, Token: token, Body: body})
}

// Login logs in and returns the token, failing the test otherwise.
func (c *Client) Login(email, password string) string {
	c.t.Helper()
	r := c.Post("/api/v1/auth/login", "", map[string]string{"email": email, "password": password})
	if r.Status != 200 {
		c.t.Fatalf("enginetest: login %s: %d %s", email, r.Status, r.Body)
	}
	var d struct {
		Token string `json:"token"`
	}
	_ = json.Unmarshal(r.Envelope.Data, &d)
	return d.Token
}

// Data decodes the envelope's data into v.
func (r Response) Data(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Envelope.Data, v); err != nil {
		t.Fatalf("decode data: %v\n%s", err, r.Body)
	}
}

// Code is the error code, or "".
func (r Response) Code() string {
	if r.Envelope.Error == nil {
		return ""
	}
	return r.Envelope.Error.Code
}
