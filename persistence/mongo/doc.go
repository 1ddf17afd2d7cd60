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
//     Buckets.Get resolves a seq through the newest version of the copy's owner; a copy no
//     version names (a stale writer's landing late, a commit that died before its snapshot)
//     is never returned;
//   - after a commit the older versions and the copies it replaced are deleted by _id, at
//     most MaxDocsPerUpdate a command; unnamed copies of this version or older are swept when
//     a commit starts an activation's run (its epoch changed), finds more than one older
//     version, or every 16th version (sweepDue, versions_prune.go). Nothing a newer commit or
//     the newest version names is deleted;
//   - the old layout (one document per identity at _id "kind/identity", buckets at
//     "conversation/<seq>" with no owner) is read as it stands: its snapshot is one more
//     version, a seq no manifest names is read from its unowned bucket, and the next commit
//     prunes what it replaced; a sweep deletes every unowned copy of a seq the manifest
//     names a copy for (shadowed for good). Buckets.Put, which conversations do not use,
//     still writes that unowned copy in place.
//
// A steady commit is six commands (read the newest, insert the buckets, insert the version,
// list the versions, and the two prunes side by side); Get is two reads (the copies and the
// owner's manifest), one for an unowned bucket.
package mongo
