package engine

import (
	pcluster "github.com/asynkron/protoactor-go/cluster"
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
