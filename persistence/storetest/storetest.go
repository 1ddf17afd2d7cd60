// Package storetest is the contract suite every persistence backend passes. A backend's test
// calls Run with a function that opens a fresh, empty store; every subtest gets its own, so
// subtests run in parallel and never see each other's data. No mocks: the suite is only
// meaningful against the real engine (bbolt on disk, a real MongoDB-wire server).
package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/switchboard/switchboard/persistence"
)

// Opener opens a fresh, empty store for t. It may register its own cleanup (dropping a
// database, say); the suite closes the store before that cleanup runs.
type Opener func(t *testing.T) persistence.Store

type contract struct {
	name string
	run  func(t *testing.T, s persistence.Store)
}

// Run runs the whole contract against stores from open.
func Run(t *testing.T, open Opener) {
	groups := [][]contract{
		userContracts, tenantContracts, snapshotContracts, snapshotCommitContracts, bucketContracts, bucketRangeContracts,
		inboxContracts, deadLetterContracts, outboxContracts, outboxDueContracts, outboxRetryableContracts, pruneContracts, lifecycleContracts,
	}
	for _, group := range groups {
		for _, c := range group {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				c.run(t, openClosed(t, open))
			})
		}
	}
}

// openClosed opens a store and closes it when t ends. A store the test closed itself answers
// ErrUnavailable, which is what it should.
func openClosed(t *testing.T, open Opener) persistence.Store {
	t.Helper()
	s := open(t)
	t.Cleanup(func() {
		if err := s.Close(context.Background()); err != nil && !errors.Is(err, persistence.ErrUnavailable) {
			t.Errorf("close: %v", err)
		}
	})
	return s
}
