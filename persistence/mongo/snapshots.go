package mongo

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	mongodrv "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/switchboard/switchboard/persistence"
)

type snapshots struct{ s *Store }

// snapshotDoc is one version of a snapshot, a document of its own (doc.go, "Versions"):
// _id is versionID(kind, identity, version). A database written before that layout holds one
// document per identity under legacyID(kind, identity); the queries here select by the kind,
// identity and version fields, which both layouts carry, so such a document is read as the
// version it holds and carried forward by the next commit.
type snapshotDoc struct {
	ID                   string `bson:"_id"`
	persistence.Snapshot `bson:",inline"`
	// Manifest names, for each bucket seq of Conversation from From on, the bucket document
	// that holds its committed content by the mark of its writer (bucket.go); "" (or beyond
	// its end) is the legacy document or none. The seqs below From are named by the sealed
	// manifest document of mark Sealed (manifest.go); a version written before sealing
	// existed has From 0 and names every seq.
	Conversation string   `bson:"bucketsOf,omitempty"`
	Manifest     []string `bson:"buckets,omitempty"`
	From         int      `bson:"bucketsFrom,omitempty"`
	Sealed       string   `bson:"sealed,omitempty"`
	// Mark is the writing commit's random mark: an insert the driver tried again finds its
	// own first try by it.
	Mark string `bson:"mark,omitempty"`
	// Parent is the mark of the version this one was written over ("" for the first, or
	// over the old layout): a commit whose version was built on before its check tells by it
	// (snapshots_commit.go, superseded).
	Parent string `bson:"parent,omitempty"`
}

// legacyID is the _id of the single document the old layout kept per identity. Kinds are
// fixed names without "/", so kind + "/" + identity cannot collide.
func legacyID(kind, identity string) string { return kind + "/" + identity }

// versionID is the _id of one version: zero-padded, so an identity's versions sort by _id.
func versionID(kind, identity string, v uint64) string {
	return fmt.Sprintf("%s#%020d", legacyID(kind, identity), v)
}

func byIdentity(kind, identity string) bson.D {
	return bson.D{{Key: "kind", Value: kind}, {Key: "identity", Value: identity}}
}

// newestFirst sorts an identity's versions newest first.
var newestFirst = bson.D{{Key: "version", Value: -1}}

// Projections of a version, for its readers: Load and List read the data without the
// manifest (it grows with the conversation); a commit reads the manifest without the data;
// Get reads the manifest alone.
var (
	withoutManifest = bson.D{{Key: "buckets", Value: 0}}
	withoutData     = bson.D{{Key: "data", Value: 0}}
	manifestOnly    = bson.D{{Key: "bucketsOf", Value: 1}, {Key: "buckets", Value: 1}, {Key: "bucketsFrom", Value: 1}, {Key: "sealed", Value: 1}}
)

func (sn snapshots) Load(ctx context.Context, kind, identity string) (persistence.Snapshot, error) {
	const op = "load snapshot"
	ctx, cancel, err := sn.s.begin(ctx, op)
	if err != nil {
		return persistence.Snapshot{}, err
	}
	defer cancel()
	doc, err := sn.newest(ctx, kind, identity, withoutManifest)
	return doc.Snapshot, sn.s.fail(op, err)
}

// newest reads the identity's newest version, the fields projection names: a late insert of
// an older version never hides it.
func (sn snapshots) newest(ctx context.Context, kind, identity string, projection bson.D) (snapshotDoc, error) {
	opts := options.FindOne().SetSort(newestFirst).SetProjection(projection)
	var doc snapshotDoc
	err := sn.s.snapshots.FindOne(ctx, byIdentity(kind, identity), opts).Decode(&doc)
	return doc, err
}

// Save is Commit without buckets: the version's own insert decides (snapshots_commit.go).
func (sn snapshots) Save(ctx context.Context, snap persistence.Snapshot) error {
	return sn.commit(ctx, "save snapshot", snap, nil)
}

// List reads a range of identities, newest version of each.
func (sn snapshots) List(ctx context.Context, kind, prefix, after string, limit int) ([]persistence.Snapshot, error) {
	const op = "list snapshots"
	if limit < 1 {
		return nil, nil
	}
	ctx, cancel, err := sn.s.begin(ctx, op)
	if err != nil {
		return nil, err
	}
	defer cancel()
	// "\uffff" sorts after every character an identity holds.
	rng := bson.D{{Key: "$gte", Value: prefix}, {Key: "$lt", Value: prefix + "\uffff"}}
	if after != "" {
		rng = append(rng, bson.E{Key: "$gt", Value: after})
	}
	filter := bson.D{{Key: "kind", Value: kind}, {Key: "identity", Value: rng}}
	// An identity has one version but for a moment after each commit (and a late insert of
	// an older one, until pruned): read on until limit identities, taking each one's first.
	opts := options.Find().SetSort(bson.D{{Key: "identity", Value: 1}, {Key: "version", Value: -1}}).
		SetProjection(withoutManifest).SetBatchSize(int32(min(limit+8, 1000)))
	cur, err := sn.s.snapshots.Find(ctx, filter, opts)
	if err != nil {
		return nil, sn.s.fail(op, err)
	}
	defer func() { _ = cur.Close(context.WithoutCancel(ctx)) }()
	var out []persistence.Snapshot
	for len(out) < limit && cur.Next(ctx) {
		var d snapshotDoc
		if err := cur.Decode(&d); err != nil {
			return nil, sn.s.fail(op, err)
		}
		if n := len(out); n == 0 || out[n-1].Identity != d.Identity {
			out = append(out, d.Snapshot)
		}
	}
	if err := cur.Err(); err != nil {
		return nil, sn.s.fail(op, err)
	}
	return out, nil
}

// versions lists the _id, version and parent of every stored version of an identity.
func (sn snapshots) versions(ctx context.Context, kind, identity string) ([]snapshotDoc, error) {
	opts := options.Find().SetSort(newestFirst).SetProjection(bson.D{{Key: "version", Value: 1}, {Key: "parent", Value: 1}})
	return findAll[snapshotDoc](ctx, sn.s.snapshots, byIdentity(kind, identity), opts)
}

// notStored reports whether err says the identity has no version at all.
func notStored(err error) bool { return errors.Is(err, mongodrv.ErrNoDocuments) }
