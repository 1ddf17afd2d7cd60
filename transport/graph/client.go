package graph

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	json "github.com/goccy/go-json"
	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/internal/departstamp"
)

// ClientOptions configure a Client. Zero values take the defaults noted.
type ClientOptions struct {
	// BaseURL is Graph's origin (META_GRAPH_URL); default https://graph.facebook.com.
	// Tests and demos point it at fakemeta.
	BaseURL string
	// Version is the pinned Graph version (META_GRAPH_VERSION), vNN.N; default v24.0.
	Version string
	// MaxConnsPerHost bounds the connection pool to Graph; default 512.
	MaxConnsPerHost int
	// MaxConnWaitTimeout is how long a call waits for a free pooled connection before
	// failing (without having been sent); default 5 s.
	MaxConnWaitTimeout time.Duration
	// ReadTimeout and WriteTimeout bound each socket read and write; default 30 s.
	ReadTimeout  time.Duration
	WriteTimeout time.Duration
	// CallTimeout is the deadline of a call whose context has none; default 15 s. Every
	// call has a deadline: an unanswered Graph call must never hold a tenant's queue.
	CallTimeout time.Duration
	// MaxResponseBodySize bounds answers (template pages are the largest); default 8 MiB.
	MaxResponseBodySize int
	// UserAgent identifies us to Meta; default "switchboard".
	UserAgent string
	// StampDepartures writes a call's departure (departstamp.From) on its request
	// (META_DEPARTURE_HEADER): for fakemeta and the pacing bench, never needed by Meta.
	StampDepartures bool
}

// Defaults of ClientOptions.
const (
	DefaultBaseURL         = "https://graph.facebook.com"
	DefaultVersion         = "v24.0"
	defaultMaxConnsPerHost = 512
	defaultConnWait        = 5 * time.Second
	defaultIOTimeout       = 30 * time.Second
	defaultCallTimeout     = 15 * time.Second
	defaultMaxBody         = 8 << 20
	defaultUserAgent       = "switchboard"
)

var versionPattern = regexp.MustCompile(`^v\d+\.\d+$`)

// Client calls the Graph API. It holds no credentials: every call takes the token of the
// tenant it acts for, so one tenant's token can never be used for another's call by a
// stale field. It is safe for concurrent use and pools connections.
type Client struct {
	base      string // origin + "/" + version
	timeout   time.Duration
	userAgent string
	stamp     bool
	http      *fasthttp.Client
}

// NewClient validates opts and builds a client.
func NewClient(opts ClientOptions) (*Client, error) {
	if opts.BaseURL == "" {
		opts.BaseURL = DefaultBaseURL
	}
	if opts.Version == "" {
		opts.Version = DefaultVersion
	}
	u, err := url.Parse(opts.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("graph: base URL %q must be http(s)://host[:port]", opts.BaseURL)
	}
	if !versionPattern.MatchString(opts.Version) {
		return nil, fmt.Errorf("graph: version %q must look like v24.0", opts.Version)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&opts.MaxConnWaitTimeout, defaultConnWait)
	def(&opts.ReadTimeout, defaultIOTimeout)
	def(&opts.WriteTimeout, defaultIOTimeout)
	def(&opts.CallTimeout, defaultCallTimeout)
	if opts.MaxConnsPerHost <= 0 {
		opts.MaxConnsPerHost = defaultMaxConnsPerHost
	}
	if opts.MaxResponseBodySize <= 0 {
		opts.MaxResponseBodySize = defaultMaxBody
	}
	if opts.UserAgent == "" {
		opts.UserAgent = defaultUserAgent
	}
	return &Client{
		base:      strings.TrimRight(opts.BaseURL, "/") + "/" + opts.Version,
		timeout:   opts.CallTimeout,
		userAgent: opts.UserAgent,
		stamp:     opts.StampDepartures,
		http: &fasthttp.Client{
			Name:                   opts.UserAgent,
			MaxConnsPerHost:        opts.MaxConnsPerHost,
			MaxConnWaitTimeout:     opts.MaxConnWaitTimeout,
			ReadTimeout:            opts.ReadTimeout,
			WriteTimeout:           opts.WriteTimeout,
			MaxIdleConnDuration:    30 * time.Second,
			MaxResponseBodySize:    opts.MaxResponseBodySize,
			DisablePathNormalizing: true, // ids are plain; never rewrite what we built
		},
	}, nil
}

// CloseIdleConnections drops pooled connections (on shutdown, or after a base URL change
// in tests).
func (c *Client) CloseIdleConnections() { c.http.CloseIdleConnections() }

// call is one Graph request: method on base/path with query, an optional JSON body, a
// bearer token (may be empty for calls authenticated by query), decoding a 2xx answer into
// out. Non-2xx answers become *APIError, failures to get an answer *TransportError.
type call struct {
	method string
	path   string // after the version, e.g. "109881335267193/messages"
	query  url.Values
	token  string
	body   any
	out    any
}

// op names the call in errors: method and path, never the query (it can hold secrets).
func (k call) op() string { return k.method + " /" + k.path }

func (c *Client) do(ctx context.Context, k call) error {
	op := k.op()
	if err := ctx.Err(); err != nil {
		return &TransportError{Op: op, Err: err} // not sent
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(c.timeout)
	} else if !time.Now().Before(deadline) {
		// Past already (a DeadlineOnly context never says so through Err): fasthttp would
		// refuse it with the timeout of a call in flight, which reads as maybe sent.
		return &TransportError{Op: op, Err: context.DeadlineExceeded} // not sent
	}
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	uri := c.base + "/" + k.path
	if len(k.query) > 0 {
		uri += "?" + k.query.Encode()
	}
	req.SetRequestURI(uri)
	req.Header.SetMethod(k.method)
	req.Header.SetUserAgent(c.userAgent)
	if k.token != "" {
		req.Header.Set(fasthttp.HeaderAuthorization, "Bearer "+k.token)
	}
	if c.stamp {
		if left, ok := departstamp.From(ctx); ok {
			req.Header.Set(departstamp.Header, departstamp.Format(left))
		}
	}
	switch b := k.body.(type) {
	case nil:
	case rawBody:
		req.Header.SetContentType("application/json")
		req.SetBodyRaw(b)
	case formBody:
		req.Header.SetContentType(b.contentType)
		req.SetBodyRaw(b.data)
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			fasthttp.ReleaseRequest(req)
			fasthttp.ReleaseResponse(resp)
			return fmt.Errorf("graph: %s: encode body: %w", op, err)
		}
		req.Header.SetContentType("application/json")
		req.SetBodyRaw(enc)
	}
	err := c.exchange(ctx, req, resp, deadline)
	if err != nil {
		if !errors.Is(err, errAbandoned) {
			fasthttp.ReleaseRequest(req)
			fasthttp.ReleaseResponse(resp)
		}
		return transportError(ctx, op, err)
	}
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)

	status := resp.StatusCode()
	if status < 200 || status > 299 {
		e := ParseAPIError(status, resp.Body())
		e.RegainAccessAfter = regainAccessMinutes(resp.Header.Peek("X-Business-Use-Case-Usage"))
		return e
	}
	if k.out == nil {
		return nil
	}
	if err := json.Unmarshal(resp.Body(), k.out); err != nil {
		// Meta answered 2xx, so the call took effect; only its answer is unreadable.
		return fmt.Errorf("graph: %s: decode answer (HTTP %d): %w", op, status, err)
	}
	return nil
}

// rawBody is a request body already encoded as JSON, sent as it is.
type rawBody []byte

// errAbandoned marks a call given up on because its context ended first; the request and
// response then belong to the goroutine still running it, which releases them.
var errAbandoned = errors.New("abandoned in flight")

// exchange runs the request until deadline. fasthttp knows deadlines but not
// cancellation, so a cancellable context is watched beside it, from a goroutine of its own;
// a context that cannot be cancelled early (DeadlineOnly) needs none.
func (c *Client) exchange(ctx context.Context, req *fasthttp.Request, resp *fasthttp.Response, deadline time.Time) error {
	if ctx.Done() == nil {
		return c.http.DoDeadline(req, resp, deadline)
	}
	done := make(chan error, 1)
	go func() { done <- c.http.DoDeadline(req, resp, deadline) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		go func() {
			<-done
			fasthttp.ReleaseRequest(req)
			fasthttp.ReleaseResponse(resp)
		}()
		return fmt.Errorf("%w; %w", ctx.Err(), errAbandoned)
	}
}
