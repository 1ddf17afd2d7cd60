package testenv

import (
	"context"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// DropDatabase removes a test database (cleanup; failures are only logged).
func DropDatabase(t testing.TB, uri, database string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Logf("testenv: drop %s: %v", database, err)
		return
	}
	defer func() { _ = c.Disconnect(ctx) }()
	if err := c.Database(database).Drop(ctx); err != nil {
		t.Logf("testenv: drop %s: %v", database, err)
	}
}
