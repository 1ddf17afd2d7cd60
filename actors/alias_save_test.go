package actors

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// Regression: a new alias's shard was saved inside the tenant actor's turn, so every other
// call of the tenant — its sends' too — waited for that store round trip, one new customer
// after another. While a shard's save waits on the store, the tenant now answers other calls
// (its state, another shard's new alias); calls for the held shard, a lookup of the alias
// being saved and another user's new alias alike, wait for the save and are answered after
// it, in order, each once durable.
func TestAliasSaveRunsOffTheTenantsTurn(t *testing.T) {
	r, store := saveRig(t)
	tenant := r.activeTenant(t)
	const userID, waID = "US.1001", "5511900001001"
	neighbour := sameShard(userID, "US.")
	elsewhere := "US.2002"
	for i := 0; shardOf(elsewhere) == shardOf(userID); i++ {
		elsewhere = fmt.Sprint("US.", 3000+i)
	}
	held := shardIdentity(tenant, shardOf(userID))
	hold := store.holdSave(held)

	first := resolveLater(t, r, tenant, waID, userID)
	select {
	case <-hold.reached:
	case <-time.After(10 * time.Second):
		t.Fatal("the alias's shard was never saved")
	}
	lookup := resolveLater(t, r, tenant, "", userID)               // the alias being saved: waits for it
	next := resolveLater(t, r, tenant, "5511900001002", neighbour) // the same shard: waits too

	// The tenant goes on answering meanwhile.
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	if _, err := r.client.TenantState(ctx, tenant); err != nil {
		t.Fatalf("the tenant did not answer while a shard's save waited on the store: %v", err)
	}
	if key, err := r.client.ResolveContact(ctx, tenant, "5511900002002", elsewhere); err != nil || key != "5511900002002" {
		t.Fatalf("another shard's alias while one save waited: %q, %v", key, err)
	}
	select {
	case a := <-first:
		t.Fatalf("the new alias was answered (%q, %v) before its shard's save landed", a.key, a.err)
	case a := <-lookup:
		t.Fatalf("a lookup was answered (%q, %v) before its alias was durable", a.key, a.err)
	case a := <-next:
		t.Fatalf("the shard's next alias was answered (%q, %v) before the save ahead of it", a.key, a.err)
	case <-time.After(200 * time.Millisecond):
	}

	close(hold.release)
	for _, c := range []struct {
		name string
		got  <-chan resolvedKey
		want string
	}{{"the held alias", first, waID}, {"its lookup", lookup, waID}, {"the shard's next alias", next, "5511900001002"}} {
		if a := <-c.got; a.err != nil || a.key != c.want {
			t.Fatalf("%s: %q, %v; want %q", c.name, a.key, a.err, c.want)
		}
	}
	if v, _ := storedVersion(t, store, KindTenantAliases, held); v != 2 {
		t.Fatalf("held shard at version %d, want 2 (the held alias, then its neighbour)", v)
	}
	store.stopTenant(t, r, tenant)
	for user, want := range map[string]string{userID: waID, neighbour: "5511900001002", elsewhere: "5511900002002"} {
		if got := resolved(t, r, tenant, user); got != want {
			t.Fatalf("after a new activation %s resolves to %q, want %q", user, got, want)
		}
	}
}

// A shard's save in flight when its activation stops (here fenced by an outage of the
// tenant snapshot) is settled by the stop, which drops the outcome the write tells the grain:
// the stopping activation waits for the write and answers its caller from it (the alias is
// durable), and only then fails the calls waiting behind it as stopping, so their retries
// reach the next activation after the write landed (R24b: answered at once, they could load
// the shard before it, and the next activation's save of it was refused and stopped that one
// too). The next activation has both aliases.
func TestAliasSaveAnsweredAfterItsActivationStopped(t *testing.T) {
	r, store := saveRig(t)
	tenant := r.activeTenant(t)
	const userID, waID = "US.4004", "5511900004004"
	hold := store.holdSave(shardIdentity(tenant, shardOf(userID)))
	first := resolveLater(t, r, tenant, waID, userID)
	select {
	case <-hold.reached:
	case <-time.After(10 * time.Second):
		t.Fatal("the alias's shard was never saved")
	}
	neighbour, neighbourWaID := sameShard(userID, "US."), "5511900004005"
	behind := resolveLater(t, r, tenant, neighbourWaID, neighbour)
	time.Sleep(100 * time.Millisecond) // let it reach the tenant and wait behind the save
	before := store.activations(tenant)
	store.stopTenant(t, r, tenant)
	// Were the waiting call failed at once, its retry would reach a next activation meanwhile.
	time.Sleep(500 * time.Millisecond)
	close(hold.release)
	select {
	case a := <-first:
		if a.err != nil || a.key != waID {
			t.Fatalf("the held alias: %q, %v; want %q", a.key, a.err, waID)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the save landed after its activation stopped, and its caller was never answered")
	}
	if n := store.activations(tenant); n != before {
		t.Fatalf("%d activations since the stop: the answer came from a new one, not the stopped one's save", n-before)
	}
	if a := <-behind; a.err != nil || a.key != neighbourWaID {
		t.Fatalf("the call waiting behind the save: %q, %v; want %q (retried on the next activation)", a.key, a.err, neighbourWaID)
	}
	for user, want := range map[string]string{userID: waID, neighbour: neighbourWaID} {
		if got := resolved(t, r, tenant, user); got != want {
			t.Fatalf("after a new activation %s resolves to %q, want %q", user, got, want)
		}
	}
}

// resolvedKey is a ResolveContact's answer.
type resolvedKey struct {
	key string
	err error
}

// resolveLater asks the tenant for the conversation key of userID (teaching it waID, if set)
// on a goroutine of its own, the answer on the channel returned.
func resolveLater(t *testing.T, r *senderRig, tenant, waID, userID string) <-chan resolvedKey {
	out := make(chan resolvedKey, 1)
	go func() {
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		defer cancel()
		key, err := r.client.ResolveContact(ctx, tenant, waID, userID)
		out <- resolvedKey{key, err}
	}()
	return out
}
