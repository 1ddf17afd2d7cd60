package persistence

import (
	"context"
	"time"
)

// Snapshot is an actor's serialized state. Version grows by one on every save; Epoch names the
// activation that wrote it. Writes are conditional on the version read, so when a topology
// change leaves one identity live on two members, the second writer gets ErrVersionConflict
// and stops itself instead of overwriting newer state.
type Snapshot struct {
	Kind      string    `json:"kind" bson:"kind"`
	Identity  string    `json:"identity" bson:"identity"`
	Version   uint64    `json:"version" bson:"version"`
	Epoch     uint64    `json:"epoch" bson:"epoch"`
	Data      []byte    `json:"data" bson:"data"`
	UpdatedAt time.Time `json:"updatedAt" bson:"updatedAt"`
}

// Snapshots stores one snapshot per actor identity, keyed by (Kind, Identity).
type Snapshots interface {
	// Load returns the stored snapshot or ErrNotFound.
	Load(ctx context.Context, kind, identity string) (Snapshot, error)
	// Save stores s if the stored version equals s.Version-1 (or nothing is stored and
	// s.Version is 1); otherwise ErrVersionConflict and nothing changes.
	Save(ctx context.Context, s Snapshot) error
	// Commit stores buckets and then s, fenced exactly like Save: when s is refused, the
	// embedded store writes nothing, and MongoDB (no transactions) may have written the
	// buckets — never the reverse, so a snapshot never counts messages that are not stored.
	// Concurrent commits share one durable write where the backend can (group commit).
	Commit(ctx context.Context, s Snapshot, buckets []Bucket) error
	// List returns up to limit snapshots of kind whose identity starts with prefix and sorts
	// after `after` ("" = from the start), in identity order. It rebuilds actor-owned
	// indexes at activation (a tenant's conversations); it is not a hot path.
	List(ctx context.Context, kind, prefix, after string, limit int) ([]Snapshot, error)
}
