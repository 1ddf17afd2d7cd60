package edge

import (
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/httpx"
)

// connRefusedRetryAfter is the Retry-After of a refused connection: another connection
// closing frees a place, which is a matter of seconds for clients not holding them on
// purpose.
const connRefusedRetryAfter = 1

// connRefusedWriteTimeout bounds the write of the refusal, which runs in the accept loop.
const connRefusedWriteTimeout = time.Second

// ConnLimits bounds the open connections of a listener (LimitConns); a bound ≤ 0 is none.
type ConnLimits struct {
	// Total is the server's bound. Set fasthttp.Server.Concurrency to the same number: the
	// listener counts a connection until it is closed, fasthttp until just before, so this
	// one refuses first, in the envelope, where fasthttp would answer plain text.
	Total int
	// PerIP is one client address's share (an IPv6 address counted by its /64, as rate
	// limits count it: one subscriber is given a whole /64).
	PerIP int
}

// LimitConns wraps ln so that it holds at most limits.Total open connections, at most
// limits.PerIP of them from one address. A connection beyond the total is answered 503
// service_unavailable, one beyond its address's share 429 rate_limited, both with
// Retry-After in the JSON envelope, and closed; ln goes on accepting.
//
// Why the share: the server's connections are shared by everyone, and a connection costs
// memory from its headers on (fasthttp makes room for a body's whole declared length before
// reading it: a request declaring the webhook's 3 MiB holds 3 MiB until it completes or
// times out). Without a per-address bound one client opening connections and trickling
// bytes (a slowloris) takes every slot and gigabytes of memory, and Meta's webhooks are
// refused.
//
// The address is the connection's peer. Behind proxies that is a proxy, so the per-address
// bound belongs in front of them, not here. With no bound ln is returned unchanged.
func LimitConns(ln net.Listener, limits ConnLimits, logger *slog.Logger) net.Listener {
	if limits.Total <= 0 && limits.PerIP <= 0 {
		return ln
	}
	return &connLimitListener{Listener: ln, limits: limits, perIP: make(map[string]int), log: logger,
		headers: canonicalHeaders(securityHeaders())}
}

type connLimitListener struct {
	net.Listener
	limits ConnLimits
	log    *slog.Logger
	// headers are every refusal's security headers, built once: refusals come in floods.
	headers []fixedHeader

	mu    sync.Mutex
	total int
	perIP map[string]int // open connections per address; an address with none has no entry

	lastLogged time.Time // guarded by mu: refusals are logged at most every 10 s
}

// Accept returns the next connection there is room for; it refuses the others itself.
func (l *connLimitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		key := connKey(c.RemoteAddr())
		refused := l.admit(key)
		if refused == nil {
			return &limitedConn{Conn: c, release: func() { l.release(key) }}, nil
		}
		_ = c.SetWriteDeadline(time.Now().Add(connRefusedWriteTimeout))
		_, _ = c.Write(refusal(refused, l.headers))
		_ = c.Close()
	}
}

// admit takes a place for a connection from key, or returns the error to refuse it with.
func (l *connLimitListener) admit(key string) *httpx.Error {
	l.mu.Lock()
	defer l.mu.Unlock()
	var e *httpx.Error
	switch {
	case l.limits.Total > 0 && l.total >= l.limits.Total:
		e = httpx.NewError(http.StatusServiceUnavailable, httpx.CodeUnavailable,
			"The server is at its connection limit; retry shortly")
	case l.limits.PerIP > 0 && l.perIP[key] >= l.limits.PerIP:
		e = httpx.NewError(http.StatusTooManyRequests, httpx.CodeRateLimited,
			"Too many open connections from your address")
	default:
		l.total++
		l.perIP[key]++
		return nil
	}
	e.RetryAfterSeconds = connRefusedRetryAfter
	if now := time.Now(); now.Sub(l.lastLogged) >= limiterErrorLogEvery {
		l.lastLogged = now
		l.log.Warn("connection refused (logged at most every 10 s)", "reason", e.Message, "remote", key,
			"open", l.total, "max_conns", l.limits.Total, "max_conns_per_ip", l.limits.PerIP)
	}
	return e
}

func (l *connLimitListener) release(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total--
	if l.perIP[key] <= 1 {
		delete(l.perIP, key) // the map holds addresses with open connections only
		return
	}
	l.perIP[key]--
}

// limitedConn gives its place back once, however often it is closed.
type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// connKey is the address a connection counts against: its peer's IP, an IPv6 one by /64.
func connKey(addr net.Addr) string {
	if tcp, ok := addr.(*net.TCPAddr); ok {
		return limitKey(tcp.IP.String())
	}
	host, _, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.String()
	}
	return limitKey(host)
}

// refusal renders e, envelope, request id and security headers included, for a connection
// refused before any request was read, and asks the client to close.
func refusal(e *httpx.Error, headers []fixedHeader) []byte {
	var ctx fasthttp.RequestCtx
	ensureRequestID(&ctx)
	setHeaders(&ctx.Response.Header, headers)
	httpx.Fail(&ctx, e)
	ctx.Response.SetConnectionClose()
	return []byte(ctx.Response.String())
}
