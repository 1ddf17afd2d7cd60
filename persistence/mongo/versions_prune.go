package mongo

import (
	"context"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// prune deletes, once version v of a snapshot is stored and still the newest, what no reader
// and no later commit needs any more (doc.go, "Versions"): the older versions, the bucket
// copies the previous version named for the seqs v rewrote (owned copies, and the old
// layout's unowned one of such a seq, which v shadows), and with sweep the leftovers
// sweepBuckets finds. Every delete names its documents by _id, MaxDocsPerUpdate a command
// (deleteIDs); the version delete is also filtered to versions below v. Best effort: what a
// failed prune leaves is never read (Load reads the newest version, Get the named copies)
// and a later prune takes it. The two collections are pruned side by side, so a commit
// waits for one round trip, not two.
func (sn snapshots) prune(ctx context.Context, c commitWrite, older []snapshotDoc, sweep bool) {
	v := int64(c.doc.Version)
	var wg sync.WaitGroup
	if len(older) > 0 {
		ids := make([]string, len(older))
		for i, d := range older {
			ids[i] = d.ID
		}
		wg.Go(func() {
			_, _ = deleteIDs(ctx, sn.s.snapshots, ids, bson.D{{Key: "version", Value: bson.D{{Key: "$lt", Value: v}}}})
		})
	}
	if len(c.replaced) > 0 || sweep {
		wg.Go(func() {
			_, _ = deleteIDs(ctx, sn.s.buckets, c.replaced, nil)
			if sweep && c.doc.Conversation != "" {
				sn.sweepBuckets(ctx, c.doc, c.names)
			}
		})
	}
	if c.replacedSealed != "" || c.sealed != nil {
		wg.Go(func() { sn.pruneSealed(ctx, c) })
	}
	wg.Wait()
}

// pruneSealed deletes the sealed manifest the previous version named and doc no longer
// does; and, when this commit sealed, the sealed manifests of its owner that commits of this
// version or older wrote and doc does not name (a sealing commit that lost or died). A later
// version names doc's sealed manifest or its own, never one of those.
func (sn snapshots) pruneSealed(ctx context.Context, c commitWrite) {
	dead := []string{}
	if c.replacedSealed != "" {
		dead = append(dead, c.replacedSealed)
	}
	if c.sealed != nil {
		// By _id range, so that MongoDB reads them through the _id index.
		lo := sealedID(c.doc.Kind, c.doc.Identity, "")
		filter := bson.D{{Key: "_id", Value: bson.D{{Key: "$gte", Value: lo}, {Key: "$lt", Value: lo + "\uffff"}}}, {Key: "sealedOf", Value: c.sealed.Of}}
		opts := options.Find().SetProjection(bson.D{{Key: "mark", Value: 1}})
		others, err := findAll[sealedDoc](ctx, sn.s.snapshots, filter, opts)
		if err == nil {
			for _, d := range others {
				if d.ID != c.sealed.ID && d.ID != c.replacedSealed && markVersion(d.Mark) <= c.doc.Version {
					dead = append(dead, d.ID)
				}
			}
		}
	}
	_, _ = deleteIDs(ctx, sn.s.snapshots, dead, bson.D{{Key: "sealedOf", Value: legacyID(c.doc.Kind, c.doc.Identity)}})
}

// sweepBuckets deletes the copies of doc's conversation that doc's owner wrote at version
// doc.Version or before and that doc does not name: left by a commit that died before its
// snapshot, or by a stale writer whose writes landed late. Copies of later versions belong to
// a commit that may be under way and are left alone. It also deletes the unowned copies (the
// old layout, doc.go) of the seqs doc names a copy for: Get never reads them again, and the
// commit that replaced one may not have known it was there (its previous manifest ended
// below the seq) or died before its prune.
func (sn snapshots) sweepBuckets(ctx context.Context, doc snapshotDoc, n names) {
	conv := doc.Conversation
	filter := bson.D{
		{Key: "_id", Value: bson.D{{Key: "$gte", Value: conv + "/"}, {Key: "$lt", Value: conv + "/\uffff"}}},
		{Key: "conversation", Value: conv},
		{Key: "$or", Value: bson.A{
			bson.D{{Key: "owner.kind", Value: doc.Kind}, {Key: "owner.identity", Value: doc.Identity}},
			bson.D{{Key: "owner", Value: nil}},
		}},
	}
	opts := options.Find().SetProjection(bson.D{{Key: "seq", Value: 1}, {Key: "owner", Value: 1}, {Key: "mark", Value: 1}})
	copies, err := findAll[bucketDoc](ctx, sn.s.buckets, filter, opts)
	if err != nil {
		return
	}
	var dead []string
	for _, c := range copies {
		named, known := n.of(c.Seq) // the mark of the copy doc names for c's seq
		switch {
		case !known:
			// Below the tail, with the sealed manifest not read: whether doc names it is
			// unknown, so it stays until a commit that reads or writes the sealed names.
		case c.Owner == nil && named != "",
			c.Owner != nil && c.Mark != named && markVersion(c.Mark) <= doc.Version:
			dead = append(dead, c.ID)
		}
	}
	_, _ = deleteIDs(ctx, sn.s.buckets, dead, nil)
}
