package actors

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// storedTenant is the tenant snapshot as read: the state, and the aliases a snapshot written
// before the alias shards carries in its "aliases" and "oldAliases" fields (migrateAliases).
// The state no longer has those fields, so a snapshot written now carries none.
type storedTenant struct {
	TenantState
	aliasGenerations
}

// saveShard writes shard n of the tenant's aliases as its next version.
func (g *tenantGrain) saveShard(n int) error {
	sh := &g.aliases[n]
	data, err := marshal(&sh.aliasGenerations)
	if err != nil {
		return fmt.Errorf("encode alias shard %d: %w", n, err)
	}
	return g.saveVersion(KindTenantAliases, shardIdentity(g.tenantID, n), &sh.version, data)
}

// loadAliases reads every shard of the tenant's aliases in one listing (a Load each would be
// aliasShards reads, and every read is a scan on FerretDB).
func (g *tenantGrain) loadAliases(ctx context.Context) error {
	prefix := g.tenantID + "/"
	page, err := g.d.Store.Snapshots().List(ctx, KindTenantAliases, prefix, "", aliasShards)
	if err != nil {
		return fmt.Errorf("list alias shards: %w", err)
	}
	for _, s := range page {
		n, err := strconv.Atoi(strings.TrimPrefix(s.Identity, prefix))
		if err != nil || n < 0 || n >= aliasShards {
			return fmt.Errorf("alias shard %q: not one of %d", s.Identity, aliasShards)
		}
		sh := &g.aliases[n]
		if err := unmarshal(s.Data, &sh.aliasGenerations); err != nil {
			return fmt.Errorf("decode alias shard %s: %w", s.Identity, err)
		}
		sh.version = s.Version
	}
	return nil
}

// migrateAliases moves the aliases a tenant snapshot written before the shards carries into
// the shards (the snapshot's win: they are the newer, adopt), saves the shards that changed,
// and only then the tenant snapshot without them: a crash in between leaves both, and the
// next activation merges again, losing nothing. A failed save fails the activation. The same
// runs after a rollback: an older build activated since wrote the aliases it learnt into the
// snapshot, and they move into the shards over what the shards had.
func (g *tenantGrain) migrateAliases(legacy aliasGenerations) error {
	if legacy.len() == 0 {
		return nil
	}
	var touched [aliasShards]bool
	// The old generation first: a user in both (never written so) ends with the current one's.
	for _, gen := range []struct {
		aliases map[string]string
		old     bool
	}{{legacy.OldAliases, true}, {legacy.Aliases, false}} {
		for userID, waID := range gen.aliases {
			n, sh := g.aliases.shard(userID)
			if sh.adopt(userID, waID, gen.old) {
				touched[n] = true
			}
		}
	}
	saved := 0
	for n := range touched {
		if !touched[n] {
			continue
		}
		if err := g.saveShard(n); err != nil {
			return fmt.Errorf("migrate aliases: %w", err)
		}
		saved++
	}
	if err := g.save(); err != nil {
		return fmt.Errorf("migrate aliases: save the tenant snapshot without them: %w", err)
	}
	g.d.Log.Info("tenant aliases moved out of its snapshot into shards", "tenant", g.tenantID,
		"aliases", legacy.len(), "shards", saved)
	return nil
}
