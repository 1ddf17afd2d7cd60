package storetest

import (
	"context"
	"sync"
	"testing"

	"github.com/switchboard/switchboard/persistence"
)

var lifecycleContracts = []contract{
	{"store/backend, ping and flush", func(t *testing.T, s persistence.Store) {
		if s.Backend() == "" {
			t.Fatal("Backend() is empty")
		}
		must(t, s.Ping(t.Context()), "ping")
		must(t, s.Inbox().Append(t.Context(), newEntries(0, 1)), "append")
		must(t, s.Flush(t.Context()), "flush")
	}},
	{"store/concurrent appends from 50 goroutines", func(t *testing.T, s persistence.Store) {
		in := s.Inbox()
		const writers, each = 50, 2
		errs := make([]error, writers)
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() { errs[w] = in.Append(t.Context(), newEntries(w*each, (w+1)*each)) })
		}
		wg.Wait()
		for w, err := range errs {
			must(t, err, "writer %d", w)
		}
		wantEqual(t, allPending(t, in, 1000), newEntries(0, writers*each), "every acknowledged entry")
	}},
	{"store/calls after close are unavailable", func(t *testing.T, s persistence.Store) {
		ctx := t.Context()
		must(t, s.Close(ctx), "close")
		calls := map[string]func() error{
			"Close": func() error { return s.Close(ctx) },
			"Ping":  func() error { return s.Ping(ctx) },
			"Flush": func() error { return s.Flush(ctx) },
			"CreateUser": func() error {
				return s.Directory().CreateUser(ctx, newUser("u1", "a@example.com", "t1", 1))
			},
			"UserByID":    func() error { _, err := s.Directory().UserByID(ctx, "u1"); return err },
			"UserByEmail": func() error { _, err := s.Directory().UserByEmail(ctx, "a@example.com"); return err },
			"ListUsers": func() error {
				_, _, err := s.Directory().ListUsers(ctx, "", persistence.Page{Page: 1, Limit: 10})
				return err
			},
			"CreateTenant": func() error { return s.Directory().CreateTenant(ctx, newTenant("t1", "pn-1", 1)) },
			"UpdateTenant": func() error { return s.Directory().UpdateTenant(ctx, newTenant("t1", "pn-1", 1)) },
			"TenantByID":   func() error { _, err := s.Directory().TenantByID(ctx, "t1"); return err },
			"TenantByPhoneNumberID": func() error {
				_, err := s.Directory().TenantByPhoneNumberID(ctx, "pn-1")
				return err
			},
			"ListTenants": func() error {
				_, _, err := s.Directory().ListTenants(ctx, persistence.Page{Page: 1, Limit: 10})
				return err
			},
			"Snapshots.Load":   func() error { _, err := s.Snapshots().Load(ctx, "k", "i"); return err },
			"Snapshots.Save":   func() error { return s.Snapshots().Save(ctx, newSnapshot("k", "i", 1, "x")) },
			"Buckets.Put":      func() error { return s.Buckets().Put(ctx, []persistence.Bucket{newBucket("c", 0, "x")}) },
			"Buckets.Get":      func() error { _, err := s.Buckets().Get(ctx, "c", 0); return err },
			"Buckets.GetRange": func() error { _, err := s.Buckets().GetRange(ctx, "c", 0, 8); return err },
			"Inbox.Append":     func() error { return s.Inbox().Append(ctx, newEntries(0, 1)) },
			"Inbox.MarkProcessed": func() error {
				return s.Inbox().MarkProcessed(ctx, []string{inboxID(0)})
			},
			"Inbox.Pending": func() error { _, err := s.Inbox().Pending(ctx, "", 10); return err },
			"Inbox.DeadLetter": func() error {
				return s.Inbox().DeadLetter(ctx, []persistence.DeadLetter{newDeadLetter(1, "x")})
			},
			"Inbox.DeadLetters": func() error { _, err := s.Inbox().DeadLetters(ctx, "", 10); return err },
			"Outbox.Enqueue": func() error {
				return s.Outbox().Enqueue(ctx, []persistence.OutboxMessage{newOutbox("o1", "t1", 1)})
			},
			"Outbox.Get": func() error { _, err := s.Outbox().Get(ctx, "o1"); return err },
			"Outbox.Transition": func() error {
				return s.Outbox().Transition(ctx, persistence.OutboxQueued, newOutbox("o1", "t1", 1))
			},
			"Outbox.ListByState": func() error {
				_, err := s.Outbox().ListByState(ctx, "t1", persistence.OutboxQueued, 10)
				return err
			},
			"Outbox.CountPending": func() error {
				_, err := s.Outbox().CountPending(ctx, "t1", 10)
				return err
			},
		}
		for name, call := range calls {
			wantErr(t, call(), persistence.ErrUnavailable, "%s after Close", name)
		}
	}},
}

// Storage is a place a backend keeps its data (a directory, a database). Each call of the
// Opener it returns opens a new store on that same data, so RunReopen can close one and
// check that the next sees everything the first acknowledged.
type Storage func(t *testing.T) Opener

// RunReopen checks durability across close and reopen: data written through one store is
// all there in the next one opened on the same storage.
func RunReopen(t *testing.T, storage Storage) {
	open := storage(t)
	ctx := context.Background()

	first := open(t)
	u := newUser("u1", "a@example.com", "t1", 1)
	tn := newTenant("t1", "pn-1", 1)
	snap := newSnapshot("conversation", "t1/155501", 1, "state")
	bkt := newBucket("conversation/t1/155501", 0, "m1")
	msg := newOutbox("o1", "t1", 1)
	must(t, first.Directory().CreateUser(ctx, u), "create user")
	must(t, first.Directory().CreateTenant(ctx, tn), "create tenant")
	must(t, first.Snapshots().Save(ctx, snap), "save snapshot")
	must(t, first.Buckets().Put(ctx, []persistence.Bucket{bkt}), "put bucket")
	must(t, first.Outbox().Enqueue(ctx, []persistence.OutboxMessage{msg}), "enqueue")
	// Concurrent appends, so a backend that group-commits shows each acknowledged one kept.
	errs := make([]error, 50)
	var wg sync.WaitGroup
	for w := range errs {
		wg.Go(func() { errs[w] = first.Inbox().Append(ctx, newEntries(w*2, w*2+2)) })
	}
	wg.Wait()
	for w, err := range errs {
		must(t, err, "append %d", w)
	}
	must(t, first.Inbox().MarkProcessed(ctx, idRange(0, 50)), "mark processed")
	must(t, first.Close(ctx), "close")

	second := open(t)
	defer func() { must(t, second.Close(ctx), "close reopened") }()
	d := second.Directory()
	gotU, err := d.UserByEmail(ctx, "A@example.com")
	must(t, err, "user after reopen")
	wantEqual(t, gotU, u, "user after reopen")
	gotT, err := d.TenantByPhoneNumberID(ctx, "pn-1")
	must(t, err, "tenant after reopen")
	wantEqual(t, gotT, tn, "tenant after reopen")
	gotS, err := second.Snapshots().Load(ctx, snap.Kind, snap.Identity)
	must(t, err, "snapshot after reopen")
	wantEqual(t, gotS, snap, "snapshot after reopen")
	wantErr(t, second.Snapshots().Save(ctx, snap), persistence.ErrVersionConflict, "v1 again after reopen")
	gotB, err := second.Buckets().Get(ctx, bkt.Conversation, bkt.Seq)
	must(t, err, "bucket after reopen")
	wantEqual(t, gotB, bkt, "bucket after reopen")
	gotM, err := second.Outbox().Get(ctx, msg.ID)
	must(t, err, "outbox after reopen")
	wantEqual(t, gotM, msg, "outbox after reopen")
	wantEqual(t, allPending(t, second.Inbox(), 7), newEntries(50, 100), "pending after reopen")
}
