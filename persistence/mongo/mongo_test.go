package mongo_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	mongodrv "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/switchboard/switchboard/internal/testenv"
	"github.com/switchboard/switchboard/persistence"
	"github.com/switchboard/switchboard/persistence/mongo"
	"github.com/switchboard/switchboard/persistence/storetest"
)

// server is the test's MongoDB-wire server and a client of its own for dropping databases.
type server struct {
	uri    string
	client *mongodrv.Client
}

func newServer(t *testing.T) server {
	uri := testenv.MongoURI(t)
	client, err := mongodrv.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatalf("connect %s: %v", uri, err)
	}
	t.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	return server{uri: uri, client: client}
}

// freshDatabase names a database for one test and drops it when the test ends.
func (srv server) freshDatabase(t *testing.T) string {
	t.Helper()
	name := testenv.UniqueName("sbtest_")
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := srv.client.Database(name).Drop(ctx); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
	})
	return name
}

func (srv server) open(t *testing.T, database string) persistence.Store {
	t.Helper()
	s, err := mongo.Open(t.Context(), srv.uri, database)
	if err != nil {
		t.Fatalf("open %s: %v", database, err)
	}
	return s
}

func TestContract(t *testing.T) {
	srv := newServer(t)
	storetest.Run(t, func(t *testing.T) persistence.Store {
		return srv.open(t, srv.freshDatabase(t))
	})
}

func TestReopen(t *testing.T) {
	srv := newServer(t)
	storetest.RunReopen(t, func(t *testing.T) storetest.Opener {
		db := srv.freshDatabase(t)
		return func(t *testing.T) persistence.Store { return srv.open(t, db) }
	})
}

func TestDatabaseFromURI(t *testing.T) {
	srv := newServer(t)
	name := srv.freshDatabase(t)
	u, err := url.Parse(srv.uri)
	if err != nil {
		t.Fatalf("parse %s: %v", srv.uri, err)
	}
	u.Path = "/" + name
	s, err := mongo.Open(t.Context(), u.String(), "")
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer s.Close(context.Background())
	if s.Database() != name {
		t.Fatalf("database %q, want %q from the URI path", s.Database(), name)
	}
}
