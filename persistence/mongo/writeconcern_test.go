package mongo

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"

	"github.com/switchboard/switchboard/internal/testenv"
	"github.com/switchboard/switchboard/persistence"
)

// concernWatcher records the write concern of every write command the driver sends.
type concernWatcher struct {
	mu       sync.Mutex
	concerns map[string][]string // command name → its writeConcern, as extended JSON ("" for none)
}

func (w *concernWatcher) started(_ context.Context, e *event.CommandStartedEvent) {
	switch e.CommandName {
	case "insert", "update", "delete", "findAndModify":
	default:
		return
	}
	wc := ""
	if v, err := e.Command.LookupErr("writeConcern"); err == nil {
		wc = v.String()
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.concerns[e.CommandName] = append(w.concerns[e.CommandName], wc)
}

// withQuery adds a query parameter to a connection string.
func withQuery(uri, param string) string {
	if strings.Contains(uri, "?") {
		return uri + "&" + param
	}
	if strings.Count(uri, "/") < 3 {
		uri += "/"
	}
	return uri + "?" + param
}

// The writes whose success the engine acknowledges (a webhook's 200 waits for the inbox
// append, a send's 202 for the outbox row) must be on disk when the server answers. A
// standalone mongod (docker-compose runs one) answers a write with the server's default
// concern, {w: 1}, once it is in memory: a crash before its next journal commit (up to
// 100 ms later) loses writes the engine already acknowledged, and Meta does not resend a
// webhook it got a 200 for. So unless the URI names a write concern, every write asks for
// a majority and the journal; a concern the URI names is the operator's and is kept.
func TestWritesAskForTheJournalUnlessTheURISaysOtherwise(t *testing.T) {
	for _, tc := range []struct {
		name, param, want string
	}{
		{"default", "", `{"w": "majority", "j": true}`},
		{"w named in the URI", "w=1", `{"w": {"$numberInt":"1"}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			uri := testenv.MongoURI(t)
			if tc.param != "" {
				uri = withQuery(uri, tc.param)
			}
			w := &concernWatcher{concerns: map[string][]string{}}
			s := openMonitored(t, uri, w.started)
			ctx := t.Context()
			now := time.Now().UTC().Truncate(time.Millisecond)
			if err := s.Inbox().Append(ctx, []persistence.InboxEntry{{ID: "in-1", Body: []byte("{}"), ReceivedAt: now}}); err != nil {
				t.Fatalf("append: %v", err)
			}
			if err := s.Inbox().MarkProcessed(ctx, []string{"in-1"}); err != nil {
				t.Fatalf("mark processed: %v", err)
			}
			m := persistence.OutboxMessage{ID: "m-1", TenantID: "t1", State: persistence.OutboxQueued, Request: []byte("{}"), CreatedAt: now, UpdatedAt: now}
			if err := s.Outbox().Enqueue(ctx, []persistence.OutboxMessage{m}); err != nil {
				t.Fatalf("enqueue: %v", err)
			}
			m.State = persistence.OutboxSending
			if err := s.Outbox().Transition(ctx, persistence.OutboxQueued, m); err != nil {
				t.Fatalf("transition: %v", err)
			}
			w.mu.Lock()
			defer w.mu.Unlock()
			if len(w.concerns["insert"]) == 0 || len(w.concerns["update"]) == 0 {
				t.Fatalf("no writes seen: %v", w.concerns)
			}
			want := canonical(t, tc.want)
			for cmd, got := range w.concerns {
				for _, wc := range got {
					if wc == "" || canonical(t, wc) != want {
						t.Errorf("%s sent with write concern %q, want %s", cmd, wc, tc.want)
					}
				}
			}
		})
	}
}

// canonical parses extended JSON and prints it back, so spacing and number forms compare.
func canonical(t *testing.T, ext string) string {
	t.Helper()
	var d bson.D
	if err := bson.UnmarshalExtJSON([]byte(ext), false, &d); err != nil {
		t.Fatalf("parse %s: %v", ext, err)
	}
	b, err := bson.MarshalExtJSON(d, false, false)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
