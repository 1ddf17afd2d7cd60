package mongo

import (
	"context"
	"testing"

	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/switchboard/switchboard/internal/testenv"
)

// openMonitored opens a store on a fresh database of uri whose driver reports every command
// it starts to started; the database is dropped when the test ends.
func openMonitored(t *testing.T, uri string, started func(context.Context, *event.CommandStartedEvent)) *Store {
	t.Helper()
	s, err := open(t.Context(), uri, testenv.UniqueName("sbtest_"), Options{},
		options.Client().SetMonitor(&event.CommandMonitor{Started: started}))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	dropWhenDone(t, s)
	return s
}
