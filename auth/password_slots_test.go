package auth

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// bcrypt is CPU by design and login is public: without a bound, a flood of logins (fresh
// emails from many addresses pass every rate limit) ran one bcrypt per request at once and
// took every core from webhooks and sends. Password work waits for a slot, and a caller whose
// deadline passes first gets ErrBusy instead of more work.
func TestPasswordWorkWaitsForASlot(t *testing.T) {
	pw, err := newPasswords(bcrypt.MinCost, 1)
	if err != nil {
		t.Fatal(err)
	}
	h, err := pw.Hash(t.Context(), "Admin@123456")
	if err != nil {
		t.Fatal(err)
	}
	pw.slots <- struct{}{} // another check holds the only slot
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if ok, err := pw.Check(ctx, h, "Admin@123456"); ok || !errors.Is(err, ErrBusy) {
		t.Fatalf("check while the slot is held: %v %v, want ErrBusy", ok, err)
	}
	if _, err := pw.Check(ctx, "", "Admin@123456"); !errors.Is(err, ErrBusy) {
		t.Fatalf("an unknown user's check while the slot is held: %v, want ErrBusy", err)
	}
	if _, err := pw.Hash(ctx, "Admin@123456"); !errors.Is(err, ErrBusy) {
		t.Fatalf("hash while the slot is held: %v, want ErrBusy", err)
	}
	<-pw.slots
	if ok, err := pw.Check(t.Context(), h, "Admin@123456"); !ok || err != nil {
		t.Fatalf("check once the slot is free: %v %v", ok, err)
	}
	if len(pw.slots) != 0 {
		t.Fatalf("%d slots still held after the checks", len(pw.slots))
	}
}

// The slots count the process's CPUs, not its Ps: cmd/switchboard raises GOMAXPROCS above
// the cores (spare Ps for threads blocked in fsync), and half of 4 Ps on a 2-core machine
// was every core again.
func TestPasswordSlotsIgnoreARaisedGOMAXPROCS(t *testing.T) {
	want := passwordSlots()
	prev := runtime.GOMAXPROCS(4 * runtime.GOMAXPROCS(0))
	defer runtime.GOMAXPROCS(prev)
	if got := passwordSlots(); got != want {
		t.Fatalf("%d slots after GOMAXPROCS was raised, %d before", got, want)
	}
}

// A login's rehash at a new cost (Rehash) never waits for a slot: the login it follows has
// succeeded, and under a login flood it would have waited up to maxSlotWait more. With
// every slot taken it gives up at once; the next login tries again.
func TestRehashDoesNotWaitForASlot(t *testing.T) {
	old, err := newPasswords(bcrypt.MinCost, 1)
	if err != nil {
		t.Fatal(err)
	}
	h, err := old.Hash(t.Context(), "Admin@123456")
	if err != nil {
		t.Fatal(err)
	}
	pw, err := newPasswords(bcrypt.MinCost+1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := pw.Rehash(h, "Admin@123456"); !ok {
		t.Fatal("no rehash of a hash at another cost with the slot free")
	}
	if _, ok := old.Rehash(h, "Admin@123456"); ok {
		t.Fatal("a hash at the configured cost rehashed")
	}
	pw.slots <- struct{}{}
	start := time.Now()
	if _, ok := pw.Rehash(h, "Admin@123456"); ok {
		t.Fatal("rehashed while the only slot was held")
	}
	if waited := time.Since(start); waited > 100*time.Millisecond {
		t.Fatalf("waited %s for a slot", waited)
	}
	<-pw.slots
}
