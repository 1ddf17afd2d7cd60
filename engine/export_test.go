package engine

import "github.com/switchboard/switchboard/actors"

// OwnsTenant reports whether this member owns the tenant's grain, so a cluster test can
// place tenants on each member.
func (e *Engine) OwnsTenant(id string) bool { return e.node.Owns(actors.KindTenant, id) }
