package storetest

import (
	"fmt"
	"testing"

	"github.com/switchboard/switchboard/persistence"
)

var snapshotContracts = []contract{
	{"snapshots/version fencing", func(t *testing.T, s persistence.Store) {
		sn, ctx := s.Snapshots(), t.Context()
		_, err := sn.Load(ctx, "conversation", "t1/155501")
		wantErr(t, err, persistence.ErrNotFound, "load before save")

		v1 := newSnapshot("conversation", "t1/155501", 1, "state one")
		must(t, sn.Save(ctx, v1), "save v1")
		got, err := sn.Load(ctx, "conversation", "t1/155501")
		must(t, err, "load v1")
		wantEqual(t, got, v1, "load v1")
		wantUTC(t, got.UpdatedAt, "updatedAt")

		v2 := newSnapshot("conversation", "t1/155501", 2, "state two")
		must(t, sn.Save(ctx, v2), "save v2")

		stale := []struct {
			name string
			s    persistence.Snapshot
		}{
			{"v2 again (another activation)", newSnapshot("conversation", "t1/155501", 2, "stale two")},
			{"v1 when v2 is stored", newSnapshot("conversation", "t1/155501", 1, "stale one")},
			{"v4 skipping v3", newSnapshot("conversation", "t1/155501", 4, "from the future")},
			{"v0", newSnapshot("conversation", "t1/155501", 0, "zero")},
		}
		for _, c := range stale {
			wantErr(t, sn.Save(ctx, c.s), persistence.ErrVersionConflict, "%s", c.name)
			got, err := sn.Load(ctx, "conversation", "t1/155501")
			must(t, err, "load after %s", c.name)
			wantEqual(t, got, v2, "data after %s", c.name)
		}

		must(t, sn.Save(ctx, newSnapshot("conversation", "t1/155501", 3, "state three")), "save v3")
	}},
	{"snapshots/first save must be v1", func(t *testing.T, s persistence.Store) {
		sn, ctx := s.Snapshots(), t.Context()
		wantErr(t, sn.Save(ctx, newSnapshot("tenant", "t1", 2, "x")), persistence.ErrVersionConflict, "v2 with nothing stored")
		_, err := sn.Load(ctx, "tenant", "t1")
		wantErr(t, err, persistence.ErrNotFound, "after rejected save")
		must(t, sn.Save(ctx, newSnapshot("tenant", "t1", 1, "x")), "v1")
		wantErr(t, sn.Save(ctx, newSnapshot("tenant", "t1", 1, "y")), persistence.ErrVersionConflict, "v1 when v1 exists")
		got, err := sn.Load(ctx, "tenant", "t1")
		must(t, err, "load")
		wantEqual(t, got, newSnapshot("tenant", "t1", 1, "x"), "first v1 kept")
	}},
	{"snapshots/kinds and identities are separate", func(t *testing.T, s persistence.Store) {
		sn, ctx := s.Snapshots(), t.Context()
		snaps := []persistence.Snapshot{
			newSnapshot("tenant", "t1", 1, "tenant t1"),
			newSnapshot("conversation", "t1", 1, "conversation t1"),
			newSnapshot("conversation", "t1/a", 1, "conversation t1/a"),
		}
		for _, x := range snaps {
			must(t, sn.Save(ctx, x), "save %s/%s", x.Kind, x.Identity)
		}
		for _, x := range snaps {
			got, err := sn.Load(ctx, x.Kind, x.Identity)
			must(t, err, "load %s/%s", x.Kind, x.Identity)
			wantEqual(t, got, x, "load %s/%s", x.Kind, x.Identity)
		}
	}},
	{"snapshots/racing activations: one save wins", func(t *testing.T, s persistence.Store) {
		sn, ctx := s.Snapshots(), t.Context()
		must(t, sn.Save(ctx, newSnapshot("conversation", "race", 1, "v1")), "save v1")
		winner := oneWins(t, 8, "saved v2", func(i int) error {
			return sn.Save(ctx, newSnapshot("conversation", "race", 2, fmt.Sprintf("racer %d", i)))
		})
		got, err := sn.Load(ctx, "conversation", "race")
		must(t, err, "load")
		wantEqual(t, got, newSnapshot("conversation", "race", 2, fmt.Sprintf("racer %d", winner)), "winner's state")
	}},
}
