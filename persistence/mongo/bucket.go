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
	const op = "get bucket"
	ctx, cancel, err := bk.s.begin(ctx, op)
	if err != nil {
		return persistence.Bucket{}, err
	}
	defer cancel()
	for range 3 {
		b, again, err := bk.committed(ctx, conversation, seq)
		if !again {
			return b, bk.s.fail(op, err)
		}
	}
	return persistence.Bucket{}, fmt.Errorf("mongo: %s %s: the copy its snapshot names is missing", op, legacyBucketID(conversation, seq))
}

// committed reads every copy of a bucket and picks the committed one; again reports that the
// newest version names a copy written after the copies were read (a commit in between).
func (bk buckets) committed(ctx context.Context, conversation string, seq int) (b persistence.Bucket, again bool, err error) {
	lo := legacyBucketID(conversation, seq)
	filter := bson.D{
		{Key: "_id", Value: bson.D{{Key: "$gte", Value: lo}, {Key: "$lt", Value: lo + "\uffff"}}},
		{Key: "conversation", Value: conversation}, {Key: "seq", Value: seq},
	}
	copies, err := findAll[bucketDoc](ctx, bk.s.buckets, filter, options.Find())
	if err != nil {
		return b, false, err
	}
	var unowned, owned *bucketDoc
	for i := range copies {
		c := &copies[i]
		switch {
		case c.Owner == nil:
			unowned = c
		case owned == nil || markVersion(c.Mark) > markVersion(owned.Mark):
			owned = c
		}
	}
	mark := ""
	if owned != nil {
		// The whole manifest (some 25 bytes a bucket) for one entry: FerretDB 1.24 implements
		// neither $slice nor $arrayElemAt in a projection, nor $arrayElemAt in $project.
		snap, err := snapshots{bk.s}.newest(ctx, owned.Owner.Kind, owned.Owner.Identity, manifestOnly)
		if err != nil && !notStored(err) {
			return b, false, err
		}
		if snap.Conversation == conversation && seq < len(snap.Manifest) {
			mark = snap.Manifest[seq]
		}
	}
	if mark == "" {
		if unowned == nil {
			return b, false, fmt.Errorf("%s: %w", lo, persistence.ErrNotFound)
		}
		return unowned.Bucket, false, nil
	}
	for i := range copies {
		if copies[i].Owner != nil && copies[i].Mark == mark {
			return copies[i].Bucket, false, nil
		}
	}
	return b, true, nil
}
