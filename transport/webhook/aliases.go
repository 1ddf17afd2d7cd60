package webhook

import (
	"context"
	"sync"
)

// aliasGeneration bounds one generation of the processor's alias memory (two are kept).
const aliasGeneration = 50_000

// alias is what the processor remembers of one business-scoped user id of a tenant: the
// wa_id it was last seen with, and the wa_id the tenant was last taught for it.
type alias struct {
	waID, taught string
}

// aliases is the processor's memory of business-scoped user ids (tenantID/userID → alias),
// kept like each shard of the tenant's own (actors' aliasGenerations): two generations of at most
// aliasGeneration entries, an entry found in the old one moving to the current one, the old
// one dropped when the current one fills. Since 2026 every messages webhook names a user by
// both ids, so an unbounded map gained an entry per user for the life of the process. An
// alias forgotten here costs one tenant call (a lookup, or teaching it again), never a
// wrong conversation: the tenant keeps its own.
type aliases struct {
	mu        sync.Mutex
	cur, prev map[string]alias
}

// get returns the alias of key, moving it to the current generation.
func (a *aliases) get(key string) (alias, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if v, ok := a.cur[key]; ok {
		return v, true
	}
	v, ok := a.prev[key]
	if ok {
		a.putLocked(key, v)
	}
	return v, ok
}

func (a *aliases) put(key string, v alias) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.putLocked(key, v)
}

func (a *aliases) putLocked(key string, v alias) {
	if _, ok := a.cur[key]; !ok && len(a.cur) >= aliasGeneration {
		a.prev, a.cur = a.cur, nil
	}
	if a.cur == nil {
		a.cur = make(map[string]alias)
	}
	a.cur[key] = v
	delete(a.prev, key)
}

// forgetTaught undoes the record that key's tenant was taught waID, when the teaching never
// ran (its entry was left in the inbox by a full lane, or given up): the entry's next
// dispatch, or the user's next webhook, teaches it again. A newer record stays.
func (a *aliases) forgetTaught(key, waID string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if v, ok := a.cur[key]; ok && v.taught == waID {
		v.taught = ""
		a.cur[key] = v
	}
	if v, ok := a.prev[key]; ok && v.taught == waID {
		v.taught = ""
		a.prev[key] = v
	}
}

// teaching is a call teaching a tenant a user id → wa_id alias, and how to forget that it
// was taught when the call is dropped.
type teaching struct {
	run    func(context.Context) error
	forget func()
}

// size is how many aliases are remembered.
func (a *aliases) size() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.cur) + len(a.prev)
}
