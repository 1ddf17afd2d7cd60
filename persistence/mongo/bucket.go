package mongo

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	mongodrv "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/switchboard/switchboard/persistence"
)

// buckets implements persistence.Buckets.
type buckets struct{ s *Store }

// bucketDoc is one stored copy of a bucket (doc.go, "Versions"). A commit inserts a new copy
// of each bucket it writes, under bucketVersionID with the commit's mark, owned by the
// commit's snapshot; the snapshot's manifest says which copy of each seq is committed. Put
// (and the old layout) keeps one unowned copy under legacyBucketID, rewritten in place.
type bucketDoc struct {
	ID                 string `bson:"_id"`
	persistence.Bucket `bson:",inline"`
	Owner              *bucketOwner `bson:"owner,omitempty"`
	Mark               string       `bson:"mark,omitempty"`
}

// bucketOwner names the snapshot whose versions name a bucket's copies.
type bucketOwner struct {
	Kind     string `bson:"kind"`
	Identity string `bson:"identity"`
}

// legacyBucketID zero-pads seq so a conversation's buckets sort in seq order by _id.
func legacyBucketID(conversation string, seq int) string {
	return fmt.Sprintf("%s/%010d", conversation, seq)
}

// bucketVersionID names the copy of a bucket a commit wrote; mark is "<version>.<random>".
func bucketVersionID(conversation string, seq int, mark string) string {
	return legacyBucketID(conversation, seq) + "@" + mark
}

// markVersion is the version of the commit that wrote a copy (0 if mark is not one).
func markVersion(mark string) uint64 {
	v, _, _ := strings.Cut(mark, ".")
	n, _ := strconv.ParseUint(v, 10, 64)
	return n
}

func newBucketDoc(b persistence.Bucket, kind, identity, mark string) bucketDoc {
	return bucketDoc{ID: bucketVersionID(b.Conversation, b.Seq, mark), Bucket: whole(b),
		Owner: &bucketOwner{Kind: kind, Identity: identity}, Mark: mark}
}

// whole flattens a bucket given as parts into its Data: MongoDB keeps whole buckets, one
// document each, written whole.
func whole(b persistence.Bucket) persistence.Bucket {
	if b.Parts != nil {
		b.Data, b.Count, b.Parts, b.Changed = b.Array(), len(b.Parts), nil, nil
	}
	return b
}

// Put upserts unowned buckets in place with replace-by-_id models, in bulk writes of at most
// MaxDocsPerUpdate. Conversations never use it: they write through Commit, whose new copies a
// late write cannot replace; a replace here that lands late replaces what a later Put wrote.
func (bk buckets) Put(ctx context.Context, bs []persistence.Bucket) error {
	if len(bs) == 0 {
		return nil
	}
	ctx, cancel, err := bk.s.begin(ctx, "put buckets")
	if err != nil {
		return err
	}
	defer cancel()
	models := make([]mongodrv.WriteModel, len(bs))
	for i, b := range bs {
		id := legacyBucketID(b.Conversation, b.Seq)
		models[i] = mongodrv.NewReplaceOneModel().SetFilter(byID(id)).
			SetReplacement(bucketDoc{ID: id, Bucket: whole(b)}).SetUpsert(true)
	}
	return bk.s.fail("put buckets", bulkWrite(ctx, bk.s.buckets, models))
}

// insert inserts a commit's copies, MaxDocsPerUpdate a command. A copy already stored under
// its id is this commit's own (the mark is random per commit): the driver retried an insert
// whose first try landed.
func (bk buckets) insert(ctx context.Context, docs []bucketDoc) error {
	for chunk := range slices.Chunk(docs, persistence.MaxDocsPerUpdate) {
		batch := make([]any, len(chunk))
		for i := range chunk {
			batch[i] = chunk[i]
		}
		_, err := bk.s.buckets.InsertMany(ctx, batch, options.InsertMany().SetOrdered(false))
		if err != nil && !onlyDuplicates(err) {
			return err
		}
	}
	return nil
}

// Get returns the committed copy of a bucket: the one the newest version of its owner names,
// or, where none names one, the unowned copy (Put, the old layout). Copies a late or dead
// writer left are never returned.
func (bk buckets) Get(ctx context.Context, conversation string, seq int) (persistence.Bucket, error) {
	got, err := bk.read(ctx, "get bucket", conversation, seq, seq+1)
	if err == nil && len(got) == 0 {
		err = fmt.Errorf("mongo: get bucket %s: %w", legacyBucketID(conversation, seq), persistence.ErrNotFound)
	}
	if err != nil {
		return persistence.Bucket{}, err
	}
	return got[0], nil
}

// GetRange returns the committed copies of the buckets of [from, to), as Get picks them, in
// two reads whatever the range holds: every copy of the range, then the manifest of their
// owner (one read per owner; a conversation's buckets have one).
func (bk buckets) GetRange(ctx context.Context, conversation string, from, to int) ([]persistence.Bucket, error) {
	return bk.read(ctx, "get buckets", conversation, max(0, from), to)
}

func (bk buckets) read(ctx context.Context, op, conversation string, from, to int) ([]persistence.Bucket, error) {
	ctx, cancel, err := bk.s.begin(ctx, op)
	if err != nil {
		return nil, err
	}
	defer cancel()
	if from >= to {
		return nil, nil
	}
	for range 3 {
		got, again, err := bk.committed(ctx, conversation, from, to)
		if !again {
			return got, bk.s.fail(op, err)
		}
	}
	return nil, fmt.Errorf("mongo: %s %s to %d: a copy its snapshot names is missing", op, legacyBucketID(conversation, from), to-1)
}

// committed reads every copy of the buckets of [from, to) and picks the committed one of each
// seq; again reports that the newest version names a copy written after the copies were read
// (a commit in between).
func (bk buckets) committed(ctx context.Context, conversation string, from, to int) (out []persistence.Bucket, again bool, err error) {
	filter := bson.D{
		{Key: "_id", Value: bson.D{{Key: "$gte", Value: legacyBucketID(conversation, from)}, {Key: "$lt", Value: legacyBucketID(conversation, to)}}},
		{Key: "conversation", Value: conversation}, {Key: "seq", Value: bson.D{{Key: "$gte", Value: from}, {Key: "$lt", Value: to}}},
	}
	copies, err := findAll[bucketDoc](ctx, bk.s.buckets, filter, options.Find())
	if err != nil {
		return nil, false, err
	}
	bySeq := map[int][]*bucketDoc{}
	for i := range copies {
		bySeq[copies[i].Seq] = append(bySeq[copies[i].Seq], &copies[i])
	}
	manifests := map[bucketOwner]names{}
	for seq := from; seq < to; seq++ {
		b, found, again, err := bk.pick(ctx, conversation, seq, from, bySeq[seq], manifests)
		if err != nil || again {
			return nil, again, err
		}
		if found {
			out = append(out, b)
		}
	}
	return out, false, nil
}

// pick returns the committed one of a seq's copies: the copy the newest version of its owner
// names, else the unowned one. manifests caches each owner's names (read once a call, down
// to seq low).
func (bk buckets) pick(ctx context.Context, conversation string, seq, low int, copies []*bucketDoc, manifests map[bucketOwner]names) (b persistence.Bucket, found, again bool, err error) {
	var unowned, owned *bucketDoc
	for _, c := range copies {
		switch {
		case c.Owner == nil:
			unowned = c
		case owned == nil || markVersion(c.Mark) > markVersion(owned.Mark):
			owned = c
		}
	}
	mark := ""
	if owned != nil {
		n, ok := manifests[*owned.Owner]
		if !ok {
			if n, again, err = bk.manifest(ctx, *owned.Owner, conversation, low); err != nil || again {
				return b, false, again, err
			}
			manifests[*owned.Owner] = n
		}
		mark, _ = n.of(seq) // unknown only below a tail no sealed manifest names: unnamed
	}
	if mark == "" {
		if unowned == nil {
			return b, false, false, nil
		}
		return unowned.Bucket, true, false, nil
	}
	for _, c := range copies {
		if c.Owner != nil && c.Mark == mark {
			return c.Bucket, true, false, nil
		}
	}
	return b, false, true, nil
}

// manifest reads the names of owner's newest version, none unless it names conversation's
// buckets, and below its tail (seqs from low) the sealed ones; again reports that its sealed
// manifest is gone (a newer commit replaced it since). The whole tail (some 25 bytes a
// bucket, at most sealAt of them) even for one entry: FerretDB 1.24 implements neither
// $slice nor $arrayElemAt in a projection, nor $arrayElemAt in $project.
func (bk buckets) manifest(ctx context.Context, owner bucketOwner, conversation string, low int) (n names, again bool, err error) {
	sn := snapshots{bk.s}
	snap, err := sn.newest(ctx, owner.Kind, owner.Identity, manifestOnly)
	if err != nil && !notStored(err) {
		return n, false, err
	}
	if snap.Conversation != conversation {
		return names{}, false, nil
	}
	n = namesOf(snap, nil)
	if low < snap.From && snap.Sealed != "" {
		n.sealed, err = sn.readSealed(ctx, owner.Kind, owner.Identity, snap.Sealed)
		if notStored(err) {
			return n, true, nil
		}
	}
	return n, false, err
}
