// Package mongo is the MongoDB persistence backend (mongo-driver v2), for production and every
// cluster deployment. CI runs it against FerretDB 1.24, so it uses only what both servers do
// correctly (ARCHITECTURE.md, "Persistence"):
//
//   - no transactions: each write that must be atomic is one insert whose unique _id decides
//     (snapshot versions and their buckets, below; phone-number claims) or a fenced conditional
//     single-document write (outbox transitions, fence.go); multi-document writes are ordered
//     so a crash between them leaves nothing a reader trusts (see tenants.go);
//   - no update command touches more than persistence.MaxDocsPerUpdate existing documents
//     (FerretDB wedges its connection pool on larger ones): bulk updates go in chunks;
//   - correctness rests only on _id and unique indexes, which FerretDB enforces; the other
//     indexes only make real MongoDB fast (FerretDB scans regardless);
//   - no distinct, $lookup, change streams or TTL/partial indexes.
//
// Every call runs under the caller's deadline, or DefaultTimeout when the caller set none.
//
// # Versions: snapshots and conversation buckets are insert-only
//
// A write whose caller gave up (its deadline passed, the connection broke) may still be run
// by the server later, after the next activation stored newer versions; and FerretDB 1.24 runs
// a filtered update or replace as a query followed by an unconditional write by _id, so such a
// write would replace newer data. Actor state is therefore never updated in place:
//
//   - each version of a snapshot is a document of its own, _id "kind/identity#<version, 20
//     digits>"; Load reads the newest (by the kind, identity and version fields). Version v
//     is written only when the newest stored is v-1, and its insert is the arbiter: of two
//     writers of v exactly one gets through. A late insert of a version is refused as a
//     duplicate, or lands below the newest, where no one reads it. After its insert a commit
//     checks that no newer version is stored but one written over it: each version names
//     its parent's mark (snapshots_commit.go, superseded);
//   - each bucket a commit writes is a new copy, _id "conversation/<seq, 10 digits>@<mark>",
//     the mark being the commit's version and a random part, owned by the commit's snapshot;
//     the snapshot's manifest (field buckets) names, for each seq, the copy that is
//     committed, and carries forward the names of the buckets the commit did not write.
//     Buckets.Get and GetRange resolve a seq through the newest version of the copy's owner;
//     a copy no version names (a stale writer's landing late, a commit that died before its
//     snapshot) is never returned;
//   - so that a commit does not read and rewrite a manifest that grows with the
//     conversation (some 23 bytes a bucket), a version names only its newest buckets, from
//     bucketsFrom on, between 256 and 512 of them (4,096 to 8,192 messages, past every
//     window a conversation rewrites in); the older ones are named by a sealed manifest, an
//     insert-only document of the snapshots collection (_id "kind/identity$<mark>") that
//     the version names by the mark of the commit that wrote it (field sealed). A commit
//     reads it only when it rewrites a bucket below bucketsFrom (it pulls the names from that
//     seq up into its tail) or its tail outgrows 512; then it seals all but the newest 256
//     into a new sealed manifest, inserted before the version, and prunes the one it
//     replaced after it (manifest.go). A version written before sealing has no bucketsFrom
//     and names every seq: it is read as it stands, and the next commit seals it. What
//     still grows is the sealed manifest: it reaches MongoDB's 16 MB document limit at
//     some 700,000 buckets (11 million messages of one conversation); splitting it into
//     pages named by mark would lift that;
//   - after a commit the older versions and the copies it replaced are deleted by _id, at
//     most MaxDocsPerUpdate a command; unnamed copies of this version or older are swept when
//     a commit starts an activation's run (its epoch changed), finds more than one older
//     version, every 16th version, or it seals (sweepDue, versions_prune.go); the copies
//     of sealed seqs only by a commit that read or wrote the sealed names, and the sealed
//     manifests no version names (a sealing commit that lost or died) when a commit seals.
//     Nothing a newer commit or the newest version names is deleted;
//   - the old layout (one document per identity at _id "kind/identity", buckets at
//     "conversation/<seq>" with no owner) is read as it stands: its snapshot is one more
//     version, a seq no manifest names is read from its unowned bucket, and the next commit
//     prunes what it replaced; a sweep deletes every unowned copy of a seq the manifest
//     names a copy for (shadowed for good). Buckets.Put, which conversations do not use,
//     still writes that unowned copy in place.
//
// A steady commit is six commands (read the newest, insert the buckets, insert the version,
// list the versions, and the two prunes side by side), and reads and writes at most 512
// names (about 6 KB at 256; before sealing, 140 KB at 100,000 messages); one in 256 new
// buckets also reads the sealed manifest and inserts the next (O(conversation), as every
// commit was before), and so does a rewrite of a sealed bucket. Get is two reads (the
// copies and the owner's newest version), three below the tail (its sealed manifest), one
// for an unowned bucket; GetRange costs the same whatever the range holds, so a
// conversation's activation is three reads (its snapshot, then the copies and the manifest
// of its newest eight buckets) where it was 1 + 2 a bucket (17 for eight).
package mongo
