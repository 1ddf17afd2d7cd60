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

// connRefusedRetryAfter is the Retry-After of a refused connection: one of the client's
// other connections closing frees a place, which is a matter of seconds for a client that
// is not holding them on purpose.
const connRefusedRetryAfter = 1

// connRefusedWriteTimeout bounds the write of the refusal, which runs in the accept loop.
const connRefusedWriteTimeout = time.Second

// LimitConnsPerIP wraps ln so that one client address holds at most max open connections
// (an IPv6 address counted by its /64, as rate limits count it: one subscriber is given a
// whole /64). A connection beyond it is answered 429 rate_limited with Retry-After in the
// JSON envelope and closed, and ln goes on accepting.
//
// Why: the server's Concurrency is shared by everyone, and a connection costs memory from
// its headers on (fasthttp makes room for a body's whole declared length before reading
// it: a request declaring the webhook's 3 MiB holds 3 MiB until it completes or times out).
// Without a per-address bound one client opening connections and trickling bytes (a
// slowloris) takes every slot and gigabytes of memory, and Meta's webhooks are refused.
//
// The address is the connection's peer. Behind proxies that is a proxy, so the bound
// belongs in front of them, not here. max ≤ 0 returns ln unchanged.
func LimitConnsPerIP(ln net.Listener, max int, logger *slog.Logger) net.Listener {
	if max <= 0 {
		return ln
	}
	return &connLimitListener{Listener: ln, max: max, open: make(map[string]int), log: logger}
}

type connLimitListener struct {
	net.Listener
	max int
	log *slog.Logger

	mu   sync.Mutex
	open map[string]int // open connections per address; an address with none has no entry

	lastLogged time.Time // guarded by mu: refusals are logged at most every 10 s
}

// Accept returns the next connection its address has room for; it refuses the others itself.
func (l *connLimitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		key := connKey(c.RemoteAddr())
		if l.admit(key) {
			return &limitedConn{Conn: c, release: func() { l.release(key) }}, nil
		}
		_ = c.SetWriteDeadline(time.Now().Add(connRefusedWriteTimeout))
		_, _ = c.Write(refusal(http.StatusTooManyRequests, httpx.CodeRateLimited,
			"Too many open connections from your address", connRefusedRetryAfter))
		_ = c.Close()
	}
}

func (l *connLimitListener) admit(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[key] < l.max {
		l.open[key]++
		return true
	}
	if now := time.Now(); now.Sub(l.lastLogged) >= limiterErrorLogEvery {
		l.lastLogged = now
		l.log.Warn("connection refused: too many open connections from one address (logged at most every 10 s)",
			"remote", key, "max_conns_per_ip", l.max)
	}
	return false
}

func (l *connLimitListener) release(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[key] <= 1 {
		delete(l.open, key) // the map holds addresses with open connections only
		return
	}
	l.open[key]--
}

// limitedConn gives its address's place back once, however often it is closed.
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

// refusal renders an error answer, envelope, request id and security headers included, for
// a connection refused before any request was read, and asks the client to close.
func refusal(status int, code, message string, retryAfter int) []byte {
	var ctx fasthttp.RequestCtx
	ensureRequestID(&ctx)
	setHeaders(&ctx.Response.Header, canonicalHeaders(securityHeaders()))
	e := httpx.NewError(status, code, message)
	e.RetryAfterSeconds = retryAfter
	httpx.Fail(&ctx, e)
	ctx.Response.SetConnectionClose()
	return []byte(ctx.Response.String())
}
