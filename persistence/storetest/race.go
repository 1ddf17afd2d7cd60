package storetest

import (
	"sync"
	"testing"

	"github.com/switchboard/switchboard/persistence"
)

// oneWins runs n racers at once, each a conditional write, and returns the one that won:
// exactly one must succeed (what names the write), every other be refused with
// ErrVersionConflict.
func oneWins(t *testing.T, n int, what string, racer func(i int) error) int {
	t.Helper()
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = racer(i) })
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Fatalf("racers %d and %d both %s", winner, i, what)
		case err == nil:
			winner = i
		default:
			wantErr(t, err, persistence.ErrVersionConflict, "racer %d", i)
		}
	}
	if winner < 0 {
		t.Fatalf("no racer %s", what)
	}
	return winner
}
