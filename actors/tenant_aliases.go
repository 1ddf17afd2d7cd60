package actors

import "fmt"

// A tenant's business-scoped user id → wa_id aliases. Since 2026 every inbound webhook names
// its user by business-scoped id, so a tenant learns one alias per new customer. They were
// kept in the tenant snapshot, and each one learnt saved the whole snapshot: at 100,000
// aliases 4.3 MB to marshal (34 ms of the tenant actor, which also runs the sender) and to
// write, per new customer. Now they live in aliasShards snapshots of their own (kind
// KindTenantAliases), each saved alone: a new alias writes its shard, about 400 entries.
const (
	// maxAliases bounds the aliases a tenant keeps: two generations of aliasGeneration.
	maxAliases      = 100_000
	aliasGeneration = maxAliases / 2
	// aliasShards divides both evenly, so the shards together keep exactly maxAliases.
	aliasShards = 250
	// shardGeneration is one shard's share of a generation.
	shardGeneration = aliasGeneration / aliasShards
)

// KindTenantAliases is the snapshot kind of a tenant's alias shards, identity
// "<tenantId>/<shard>" (shardIdentity). It names no grain: the tenant grain writes them.
const KindTenantAliases = "tenant-aliases"

// aliasGenerations are aliases kept in two generations, an approximation of least recently
// used that costs nothing but the aliases: an alias learnt or looked up (of) goes into the
// current generation; once it holds shardGeneration, it becomes the old one and the old one
// is dropped. So the aliases of users seen since the last shardGeneration new ones of the
// shard are never forgotten, and a user unseen for longer loses theirs: their next message
// carrying their phone number teaches it again, and only a message carrying their
// business-scoped id alone in between opens a conversation of its own. Generations turn over
// per shard, so a tenant keeps the users of its last aliasGeneration new aliases give or take
// how evenly the hash spread them (at 200 a shard: all of the last 37,500, and all but about
// 1 % of the last 50,000, TestTenantAliasesBoundTheTotal), where one tenant-wide pair kept
// exactly the last 50,000. A tenant snapshot written before the shards decodes its aliases
// into one of these too (storedTenant), in its JSON fields.
type aliasGenerations struct {
	Aliases    map[string]string `json:"aliases,omitempty"`
	OldAliases map[string]string `json:"oldAliases,omitempty"`
}

// learn remembers that userID writes from waID, and reports whether that changed the
// generations (to be saved).
func (a *aliasGenerations) learn(userID, waID string) bool {
	if userID == "" || waID == "" || a.Aliases[userID] == waID {
		return false
	}
	if len(a.Aliases) >= shardGeneration {
		a.OldAliases, a.Aliases = a.Aliases, make(map[string]string, shardGeneration)
	}
	if a.Aliases == nil {
		a.Aliases = make(map[string]string)
	}
	a.Aliases[userID] = waID
	delete(a.OldAliases, userID)
	return true
}

// of is the wa_id userID was last seen with ("" when not known). An alias found in the old
// generation is moved to the current one (moved: the generations changed, to be saved).
func (a *aliasGenerations) of(userID string) (waID string, moved bool) {
	if waID, ok := a.Aliases[userID]; ok {
		return waID, false
	}
	waID, ok := a.OldAliases[userID]
	if !ok {
		return "", false
	}
	return waID, a.learn(userID, waID)
}

// adopt puts an alias a tenant snapshot carries into the generation old says, over the one
// the shard has for userID, if any: the snapshot's is the newer. A snapshot carries aliases
// only when a build from before the shards wrote it, and a shard is written only after the
// migration that leaves the snapshot without them: so aliases in a snapshot were learnt
// either before any shard existed (a first migration, or one that crashed after saving
// shards, which then hold the same aliases) or by an older build that ran after the
// migration (a rollback, or a rolling deploy), starting from none, and so after whatever the
// shards hold. Keeping the shard's instead would route a user whose number changed meanwhile
// to the number they gave up. An alias the shard has already, in either generation, is left
// where it is. It reports whether the shard changed.
func (a *aliasGenerations) adopt(userID, waID string, old bool) bool {
	if userID == "" || waID == "" || a.Aliases[userID] == waID || a.OldAliases[userID] == waID {
		return false
	}
	gen, other := &a.Aliases, a.OldAliases
	if old {
		gen, other = &a.OldAliases, a.Aliases
	}
	if *gen == nil {
		*gen = make(map[string]string)
	}
	(*gen)[userID] = waID
	delete(other, userID)
	return true
}

func (a *aliasGenerations) len() int { return len(a.Aliases) + len(a.OldAliases) }

// aliasUndo is what learn (or of) changes for one user: both generations as they were, and
// the user's entry in each.
type aliasUndo struct {
	aliases, old      map[string]string
	userID            string
	current, previous string
	inCurrent, inOld  bool
}

// mark records what a change of userID's alias may change, for undo.
func (a *aliasGenerations) mark(userID string) aliasUndo {
	u := aliasUndo{aliases: a.Aliases, old: a.OldAliases, userID: userID}
	u.current, u.inCurrent = a.Aliases[userID]
	u.previous, u.inOld = a.OldAliases[userID]
	return u
}

// undo puts the generations back as mark found them. learn writes the user's entry in the
// current generation, deletes it from the old one, and may first turn the current generation
// into the old one (dropping the old): so the generations are put back as they were, and the
// user's entry in each.
func (a *aliasGenerations) undo(u aliasUndo) {
	a.Aliases, a.OldAliases = u.aliases, u.old
	restoreEntry(a.Aliases, u.userID, u.current, u.inCurrent)
	restoreEntry(a.OldAliases, u.userID, u.previous, u.inOld)
}

func restoreEntry(m map[string]string, key, value string, present bool) {
	switch {
	case present:
		m[key] = value
	case m != nil:
		delete(m, key)
	}
}

// aliasShard is one shard of a tenant's aliases and the version of its snapshot.
type aliasShard struct {
	aliasGenerations
	version uint64
}

// tenantAliases are a tenant's aliases, by shard (shardOf).
type tenantAliases [aliasShards]aliasShard

// shardOf is the shard of a business-scoped user id: FNV-1a, stable across builds and nodes
// (the shard a user's alias was saved in is the one every later activation looks in).
func shardOf(userID string) int {
	const offset, prime = 2166136261, 16777619
	h := uint32(offset)
	for i := range len(userID) {
		h ^= uint32(userID[i])
		h *= prime
	}
	return int(h % aliasShards)
}

// shardIdentity is the snapshot identity of a tenant's shard n: zero-padded, so a tenant's
// shards list in order under the prefix "<tenantId>/".
func shardIdentity(tenantID string, n int) string { return fmt.Sprintf("%s/%03d", tenantID, n) }

// shard is userID's shard and its number.
func (t *tenantAliases) shard(userID string) (int, *aliasShard) {
	n := shardOf(userID)
	return n, &t[n]
}

// len is how many aliases the tenant keeps, in every shard.
func (t *tenantAliases) len() int {
	n := 0
	for i := range t {
		n += t[i].len()
	}
	return n
}
