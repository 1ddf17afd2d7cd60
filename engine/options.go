package engine

import (
	pcluster "github.com/asynkron/protoactor-go/cluster"

	"github.com/switchboard/switchboard/transport/ratelimit"
)

// Option is a choice New takes besides the configuration.
type Option func(*Engine)

// WithMembership makes the node a member of the cluster that provider lists, instead of a
// single-member cluster. No setting selects a provider yet (README, "Running a cluster": the
// Redis one is not written); tests join several nodes with protoactor's in-memory provider,
// to check what must happen once per cluster rather than once per node.
func WithMembership(provider pcluster.ClusterProvider) Option {
	return func(e *Engine) { e.membership = provider }
}

// WithRedisLimiter passes opts to the Redis rate limiter (REDIS_URL). No setting exposes them:
// the production deadline (ratelimit.DefaultRedisTimeout) and its fallback to this node's
// memory are the behaviour wanted. End-to-end tests of limits shared through Redis give a
// round trip a deadline a loaded machine meets, so a slow answer does not count a request in
// one node's memory instead of the shared budget.
func WithRedisLimiter(opts ...ratelimit.RedisOption) Option {
	return func(e *Engine) { e.redisLimiter = append(e.redisLimiter, opts...) }
}
