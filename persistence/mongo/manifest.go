package mongo

import (
	"context"
	"slices"

	"github.com/switchboard/switchboard/persistence"
)

// A version's manifest names the committed copy of every bucket of its conversation, some 25
// bytes a bucket; every commit reads the previous one and writes its own. So that this does
// not grow with the conversation, a version names only its newest buckets (the tail, from
// From on), between sealKeep and sealAt of them, and the older ones are named by a sealed
// manifest: an insert-only document the version names by mark, which commits neither read
// nor rewrite until the tail outgrows sealAt (then one commit in sealAt-sealKeep buckets
// writes a new one) or a commit rewrites a bucket below From (then it reads it, and pulls
// the names from that seq up into its tail).
const (
	sealKeep = 256 // buckets a tail keeps when it seals: 4,096 messages, past every window
	sealAt   = 2 * sealKeep
)

// sealedDoc is a sealed manifest: the names of an identity's buckets below the From of the
// versions that name it. It lives in the snapshots collection without kind, identity or
// version fields, so no query for versions ever matches it.
type sealedDoc struct {
	ID       string   `bson:"_id"`
	Of       string   `bson:"sealedOf"` // legacyID(kind, identity)
	Mark     string   `bson:"mark"`     // the sealing commit's
	Manifest []string `bson:"buckets"`
}

// sealedID is the _id of an identity's sealed manifest written by the commit of mark.
func sealedID(kind, identity, mark string) string { return legacyID(kind, identity) + "$" + mark }

// names resolves bucket seqs to the marks of their committed copies, as one version names
// them: its tail, and below From the sealed manifest, when it was read (sealed non-nil).
type names struct {
	from   int
	tail   []string
	sealed []string
}

func namesOf(doc snapshotDoc, sealed []string) names {
	return names{from: doc.From, tail: doc.Manifest, sealed: sealed}
}

// of returns the mark named for seq ("" none: the unowned copy, or nothing); known is false
// for a seq below the tail whose sealed manifest was not read.
func (n names) of(seq int) (mark string, known bool) {
	list, i := n.tail, seq-n.from
	if seq < n.from {
		if n.sealed == nil {
			return "", false
		}
		list, i = n.sealed, seq
	}
	if i < len(list) {
		return list[i], true
	}
	return "", true
}

// readSealed reads the sealed manifest of mark; missing is mongodrv.ErrNoDocuments (a newer
// commit replaced and pruned it).
func (sn snapshots) readSealed(ctx context.Context, kind, identity, mark string) ([]string, error) {
	var d sealedDoc
	err := sn.s.snapshots.FindOne(ctx, byID(sealedID(kind, identity, mark))).Decode(&d)
	if d.Manifest == nil {
		d.Manifest = []string{} // read, naming nothing: distinct from not read
	}
	return d.Manifest, err
}

// needsSealed reports whether a commit of bs over prev must read prev's sealed manifest: it
// rewrites a bucket below the tail, or its tail outgrows sealAt and seals.
func needsSealed(prev snapshotDoc, conv string, bs []persistence.Bucket) bool {
	if prev.Sealed == "" || prev.Conversation != conv {
		return false
	}
	end := prev.From + len(prev.Manifest)
	for _, b := range bs {
		if b.Seq < prev.From {
			return true
		}
		end = max(end, b.Seq+1)
	}
	return end-prev.From > sealAt
}

// unseal pulls the names of the seqs from low up to from out of the sealed manifest into the
// front of the tail (a commit rewrites a bucket below it).
func unseal(sealed []string, low, from int, tail []string) []string {
	pulled := make([]string, from-low, from-low+len(tail))
	copy(pulled, sealed[min(low, len(sealed)):min(from, len(sealed))])
	return append(pulled, tail...)
}

// seal moves all but the newest sealKeep names of a tail longer than sealAt into a new
// sealed manifest under the commit's mark; c.doc names it from then on.
func (c *commitWrite) seal(sealed []string) {
	if len(c.doc.Manifest) <= sealAt {
		return
	}
	cut := len(c.doc.Manifest) - sealKeep
	list := make([]string, c.doc.From, c.doc.From+cut)
	copy(list, sealed)
	list = append(list, c.doc.Manifest[:cut]...)
	c.sealed = &sealedDoc{ID: sealedID(c.doc.Kind, c.doc.Identity, c.doc.Mark), Of: legacyID(c.doc.Kind, c.doc.Identity),
		Mark: c.doc.Mark, Manifest: list}
	c.doc.Manifest = slices.Clone(c.doc.Manifest[cut:])
	c.doc.From += cut
	c.doc.Sealed = c.doc.Mark
}
