package mongo

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/switchboard/switchboard/persistence"
)

// Commit writes the buckets, then the snapshot, every one a new document (doc.go, "Versions"):
//
//  1. read the newest stored version: snap must follow it (v-1, or nothing and v = 1);
//  2. insert the buckets under ids of their own (this commit's version and a random mark);
//  3. insert the snapshot as version v, naming those buckets: the unique _id lets exactly
//     one writer of v through, and a refused one wrote only buckets nobody names;
//  4. check that v is still the newest (see superseded) and prune what it replaced.
//
// No step replaces or updates a document, so a write the server runs after its caller gave
// up (FerretDB runs a filtered replace as a query and then an unconditional write by _id)
// can only add a document: a version already taken (refused) or older than the newest
// (never read), or buckets no committed snapshot names. Without transactions a crash may
// leave buckets written and the snapshot not: no one names them, and a later prune deletes
// them. An out-of-date writer is refused at step 1, before it writes a bucket.
func (sn snapshots) Commit(ctx context.Context, snap persistence.Snapshot, bs []persistence.Bucket) error {
	return sn.commit(ctx, "commit snapshot", snap, bs)
}

func (sn snapshots) commit(ctx context.Context, op string, snap persistence.Snapshot, bs []persistence.Bucket) error {
	key := legacyID(snap.Kind, snap.Identity)
	if snap.Version == 0 {
		return fmt.Errorf("mongo: %s %s: version 0: %w", op, key, persistence.ErrVersionConflict)
	}
	conv, err := oneConversation(bs)
	if err != nil {
		return fmt.Errorf("mongo: %s %s: %w", op, key, err)
	}
	ctx, cancel, err := sn.s.begin(ctx, op)
	if err != nil {
		return err
	}
	defer cancel()
	prev, err := sn.follows(ctx, snap)
	if err != nil {
		return sn.s.fail(op, err)
	}
	var prevSealed []string
	if needsSealed(prev, conv, bs) {
		prevSealed, err = sn.readSealed(ctx, snap.Kind, snap.Identity, prev.Sealed)
		if notStored(err) {
			err = fmt.Errorf("%s: the sealed manifest of version %d is gone, so a newer version replaced it: %w", key, prev.Version, persistence.ErrVersionConflict)
		}
		if err != nil {
			return sn.s.fail(op, err)
		}
	}
	c := newCommit(snap, prev, prevSealed, conv, bs)
	if err := (buckets{sn.s}).insert(ctx, c.buckets); err != nil {
		return sn.s.fail(op, err)
	}
	if err := sn.insertSealed(ctx, c.sealed); err != nil {
		return sn.s.fail(op, err)
	}
	if err := sn.insert(ctx, c.doc); err != nil {
		return sn.s.fail(op, err)
	}
	older, err := sn.superseded(ctx, c.doc)
	if err != nil {
		return sn.s.fail(op, err)
	}
	// A commit that seals knows every name: it sweeps the seqs it sealed too (sweepBuckets).
	sn.prune(ctx, c, older, sweepDue(prev, snap, older) || c.sealed != nil)
	return nil
}

// sweepDue says whether a commit looks for leftovers (versions_prune.go, sweepBuckets):
// buckets of a commit that died before its snapshot, or of a stale writer, landed late. It
// does when it starts another activation's run (the epoch changed; a first version has had
// no run before it), every 16th version, and when more than one older version is stored (a
// late or concurrent writer was here).
func sweepDue(prev snapshotDoc, snap persistence.Snapshot, older []snapshotDoc) bool {
	return (prev.ID != "" && prev.Epoch != snap.Epoch) || snap.Version%16 == 0 || len(older) > 1
}

// insertSealed inserts a commit's sealed manifest, if it writes one; a duplicate is this
// commit's own (its mark is random), which the driver retried.
func (sn snapshots) insertSealed(ctx context.Context, d *sealedDoc) error {
	if d == nil {
		return nil
	}
	if _, err := sn.s.snapshots.InsertOne(ctx, d); err != nil && !isDuplicate(err) {
		return err
	}
	return nil
}

// insert inserts one version; a duplicate is another writer's version, unless it carries
// this commit's mark (the driver retried an insert whose first try landed).
func (sn snapshots) insert(ctx context.Context, doc snapshotDoc) error {
	_, err := sn.s.snapshots.InsertOne(ctx, doc)
	if !isDuplicate(err) {
		return err
	}
	var stored snapshotDoc
	ferr := sn.s.snapshots.FindOne(ctx, byID(doc.ID), options.FindOne().SetProjection(bson.D{{Key: "mark", Value: 1}})).Decode(&stored)
	switch {
	case ferr == nil && stored.Mark == doc.Mark:
		return nil
	case ferr != nil && !notStored(ferr):
		// Whose version is stored is unknown (it may be this commit's own): a conflict would
		// tell the caller its commit lost when it may have landed.
		return fmt.Errorf("%s: version %d is stored, reading whose it is: %w", legacyID(doc.Kind, doc.Identity), doc.Version, ferr)
	}
	return fmt.Errorf("%s: version %d was written by another writer: %w", legacyID(doc.Kind, doc.Identity), doc.Version, persistence.ErrVersionConflict)
}

// follows reads the newest stored version (without its data) and checks that snap may be
// written next: it is v-1, or none is stored and v is 1. The zero snapshotDoc stands for none.
func (sn snapshots) follows(ctx context.Context, snap persistence.Snapshot) (snapshotDoc, error) {
	key, v := legacyID(snap.Kind, snap.Identity), snap.Version
	cur, err := sn.newest(ctx, snap.Kind, snap.Identity, withoutData)
	switch {
	case notStored(err):
		if v != 1 {
			return cur, fmt.Errorf("%s: version %d with nothing stored: %w", key, v, persistence.ErrVersionConflict)
		}
		return snapshotDoc{}, nil
	case err != nil:
		return cur, err
	case cur.Version != v-1:
		return cur, fmt.Errorf("%s: version %d does not follow the stored %d: %w", key, v, cur.Version, persistence.ErrVersionConflict)
	}
	return cur, nil
}

// superseded checks, once version v is inserted, that no newer version is stored, and returns
// the older ones. A writer whose check (follows) passed may insert v only after another writer
// inserted its own v, committed v+1 over it and pruned it: the insert is then not a duplicate,
// yet v+1 was built on the other v, and acknowledging this one would lose it. Any other
// writer of v+1 reads this v as the newest first, so it builds on it: a v+1 whose parent is
// this commit's mark was written over this v, which is then acknowledged (the newer
// versions are their writers' to prune).
func (sn snapshots) superseded(ctx context.Context, doc snapshotDoc) ([]snapshotDoc, error) {
	all, err := sn.versions(ctx, doc.Kind, doc.Identity)
	if err != nil {
		return nil, err
	}
	builtOn := slices.ContainsFunc(all, func(d snapshotDoc) bool {
		return d.Version == doc.Version+1 && d.Parent == doc.Mark
	})
	var older []snapshotDoc
	for _, d := range all {
		switch {
		case d.Version > doc.Version && !builtOn:
			return nil, fmt.Errorf("%s: version %d was stored meanwhile over another version %d: %w",
				legacyID(doc.Kind, doc.Identity), d.Version, doc.Version, persistence.ErrVersionConflict)
		case d.Version < doc.Version:
			older = append(older, d)
		}
	}
	return older, nil
}

// commitWrite is what one commit inserts.
type commitWrite struct {
	doc     snapshotDoc
	buckets []bucketDoc
	// replaced are the bucket documents the previous version named for the seqs this one
	// rewrote: no longer named once doc is stored.
	replaced []string
	// sealed is the sealed manifest this commit writes (manifest.go, seal), if any, and
	// replacedSealed the _id of the previous version's, when doc no longer names it.
	sealed         *sealedDoc
	replacedSealed string
	// names are doc's names, with the sealed ones when this commit read or wrote them.
	names names
}

// newCommit lays out the documents of snap: its buckets under this commit's mark, and the
// snapshot naming them and, for the seqs it does not write, what prev named. prevSealed is
// prev's sealed manifest, read when needsSealed says the commit needs it.
func newCommit(snap persistence.Snapshot, prev snapshotDoc, prevSealed []string, conv string, bs []persistence.Bucket) commitWrite {
	c := commitWrite{doc: snapshotDoc{ID: versionID(snap.Kind, snap.Identity, snap.Version), Snapshot: snap}}
	if prev.Conversation == conv || len(bs) == 0 {
		c.doc.Conversation, c.doc.Manifest, c.doc.From, c.doc.Sealed = prev.Conversation, prev.Manifest, prev.From, prev.Sealed
	}
	mark := fmt.Sprintf("%d.%s", snap.Version, rand.Text()[:10])
	c.doc.Mark, c.doc.Parent = mark, prev.Mark
	if len(bs) > 0 {
		c.name(prev, prevSealed, conv, bs)
		c.seal(prevSealed)
	}
	if prev.Sealed != "" && c.doc.Sealed != prev.Sealed {
		c.replacedSealed = sealedID(snap.Kind, snap.Identity, prev.Sealed)
	}
	sealed := prevSealed
	if c.sealed != nil {
		sealed = c.sealed.Manifest
	}
	c.names = namesOf(c.doc, sealed)
	return c
}

// name lays out the commit's buckets and names them in doc's tail, which it first extends
// down to the lowest seq written (unseal).
func (c *commitWrite) name(prev snapshotDoc, prevSealed []string, conv string, bs []persistence.Bucket) {
	mark, from, tail := c.doc.Mark, c.doc.From, slices.Clone(c.doc.Manifest)
	low := slices.MinFunc(bs, func(a, b persistence.Bucket) int { return a.Seq - b.Seq }).Seq
	if low < from {
		tail, from = unseal(prevSealed, low, from, tail), low
	}
	for _, b := range bs {
		i := b.Seq - from
		for len(tail) <= i {
			tail = append(tail, "")
		}
		switch old := tail[i]; {
		case old != "":
			c.replaced = append(c.replaced, bucketVersionID(conv, b.Seq, old))
		case b.Seq < prev.From+len(prev.Manifest) || (prev.ID != "" && prev.Manifest == nil):
			// The seq may be in the old layout's unowned copy (doc.go); a seq beyond what a
			// manifest ever named, of a conversation that has one, never was.
			c.replaced = append(c.replaced, legacyBucketID(conv, b.Seq))
		}
		tail[i] = mark
		c.buckets = append(c.buckets, newBucketDoc(b, c.doc.Kind, c.doc.Identity, mark))
	}
	c.doc.Conversation, c.doc.Manifest, c.doc.From = conv, tail, from
}

// oneConversation returns the conversation the buckets belong to: a snapshot names the
// buckets of one conversation.
func oneConversation(bs []persistence.Bucket) (string, error) {
	if len(bs) == 0 {
		return "", nil
	}
	for _, b := range bs[1:] {
		if b.Conversation != bs[0].Conversation {
			return "", fmt.Errorf("buckets of conversations %q and %q in one commit", bs[0].Conversation, b.Conversation)
		}
	}
	seen := make(map[int]bool, len(bs))
	for _, b := range bs {
		if b.Seq < 0 || seen[b.Seq] {
			return "", fmt.Errorf("bucket seq %d negative or given twice", b.Seq)
		}
		seen[b.Seq] = true
	}
	return bs[0].Conversation, nil
}
