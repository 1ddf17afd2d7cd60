package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultRedisTimeout bounds one decision's round trip to Redis. A rate limit check sits on
// every request; a slow Redis must cost little latency before the fallback decides.
const DefaultRedisTimeout = 50 * time.Millisecond

// DefaultProbeInterval is how often, during an outage, one request tries Redis again.
const DefaultProbeInterval = time.Second

// ErrUnavailable is returned when Redis failed and there is no fallback.
var ErrUnavailable = errors.New("ratelimit: redis unavailable")

// Redis is the cluster-wide limiter: every node counts in the same Redis hash per key, with
// one atomic script per decision (script.go), timed by the Redis server's clock.
//
// Redis failing never fails a request. Each call has its own short deadline derived from
// ctx (DefaultRedisTimeout); on an error or timeout the decision comes from the fallback
// (normally a Memory limiter), so during an outage limits hold per node instead of per
// cluster. The outage is logged once when it begins and once when it ends, never per
// request; while it lasts only one request per probe interval tries Redis, the others go
// straight to the fallback without paying the timeout.
//
// The deadline bounds socket reads and writes only when the client was created with
// ContextTimeoutEnabled (otherwise its ReadTimeout and WriteTimeout apply); dialling and
// retry backoff always honour it. Create the client with ContextTimeoutEnabled: true.
type Redis struct {
	client   *redis.Client
	script   *redis.Script
	prefix   string
	fallback Limiter
	timeout  time.Duration
	log      *slog.Logger
	epoch    time.Time
	outage   outage
}

// RedisOption configures NewRedis.
type RedisOption func(*Redis)

// WithTimeout sets the deadline of one Redis round trip (default DefaultRedisTimeout).
func WithTimeout(d time.Duration) RedisOption { return func(r *Redis) { r.timeout = d } }

// WithProbeInterval sets how often Redis is retried during an outage (default
// DefaultProbeInterval).
func WithProbeInterval(d time.Duration) RedisOption {
	return func(r *Redis) { r.outage.interval = int64(d) }
}

// WithLogger sets where outages are reported (default slog.Default()).
func WithLogger(l *slog.Logger) RedisOption { return func(r *Redis) { r.log = l } }

// NewRedis returns a limiter counting in Redis under keys "<prefix><rule name>:<key>".
// fallback decides while Redis fails; with a nil fallback such calls return ErrUnavailable.
func NewRedis(client *redis.Client, prefix string, fallback Limiter, opts ...RedisOption) *Redis {
	r := &Redis{
		client:   client,
		script:   redis.NewScript(slidingWindowLua),
		prefix:   prefix,
		fallback: fallback,
		timeout:  DefaultRedisTimeout,
		log:      slog.Default(),
		epoch:    time.Now(),
		outage:   outage{interval: int64(DefaultProbeInterval)},
	}
	for _, o := range opts {
		o(r)
	}
	return r
}

// Allow decides one request of key under rule, in Redis when it answers in time.
func (r *Redis) Allow(ctx context.Context, rule Rule, key string) (Decision, error) {
	return r.decide(ctx, rule, key, false)
}

// Peek decides as Allow without counting.
func (r *Redis) Peek(ctx context.Context, rule Rule, key string) (Decision, error) {
	return r.decide(ctx, rule, key, true)
}

func (r *Redis) decide(ctx context.Context, rule Rule, key string, peek bool) (Decision, error) {
	if err := rule.Validate(); err != nil {
		return Decision{}, err
	}
	now := r.clock()
	if r.outage.shouldTry(now) {
		d, err := r.inRedis(ctx, rule, key, peek)
		if err == nil {
			r.outage.recovered(r.clock(), r.log)
			return d, nil
		}
		if ctx.Err() == nil { // a caller that gave up says nothing about Redis
			r.outage.failed(now, err, r.log)
		}
		if r.fallback == nil {
			return Decision{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
	} else {
		r.outage.fellBack()
		if r.fallback == nil {
			return Decision{}, ErrUnavailable
		}
	}
	decideLocally := r.fallback.Allow
	if peek {
		decideLocally = r.fallback.Peek
	}
	d, err := decideLocally(ctx, rule, key)
	if err != nil {
		return Decision{}, fmt.Errorf("ratelimit: fallback: %w", err)
	}
	return d, nil
}

func (r *Redis) inRedis(ctx context.Context, rule Rule, key string, peek bool) (Decision, error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	flag := 0
	if peek {
		flag = 1
	}
	res, err := r.script.Run(ctx, r.client, []string{r.prefix + rule.Name + ":" + key},
		rule.Limit, rule.Window.Microseconds(), flag).Int64Slice()
	if err != nil {
		return Decision{}, fmt.Errorf("ratelimit: redis script: %w", err)
	}
	if len(res) != 3 {
		return Decision{}, fmt.Errorf("ratelimit: redis script returned %d values, want 3", len(res))
	}
	return Decision{
		Allowed:    res[0] == 1,
		Limit:      rule.Limit,
		Remaining:  int(res[1]),
		RetryAfter: min(time.Duration(res[2])*time.Microsecond, rule.Window),
	}, nil
}

// clock is monotonic nanoseconds since NewRedis plus one, so that zero can mean "no outage".
func (r *Redis) clock() int64 { return int64(time.Since(r.epoch)) + 1 }
