// Package engine is the node façade: it turns a Config into a running Switchboard node —
// store, Redis, rate limiter, domain services, the HTTP edge and the admin listener — and
// stops it gracefully. `switchboard serve` and the end-to-end tests both start nodes through
// it, so tests exercise exactly what production runs.
package engine
