// Package actors is Switchboard's domain: tenants and conversations as plain state machines
// (conversation_state.go, tenant_state.go), the grains that run them on the cluster
// (conversation_grain.go, tenant_grain.go), the messages they accept (messages.go), and the
// Client the transport layer calls them through (client.go).
//
// Ownership (who may write what) is written down in OWNERSHIP.md beside this file.
package actors
