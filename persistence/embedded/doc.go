// Package embedded is the zero-configuration persistence backend for a single node: three
// bbolt files in the data directory (switchboard.db: directory, snapshots, message buckets;
// inbox.db: webhooks; outbox.db: sends), each with a write-ahead journal beside it.
//
// Layout: one bbolt bucket per collection, keyed by the document's id; secondary lookups and
// orderings are index buckets whose keys carry everything a lookup needs, written in the same
// operation as the document, so an index never disagrees with its collection.
//
// Durability (group.go, journal.go): one committer per file runs every operation in the bbolt
// write transaction it keeps open between checkpoints. Operations queued while the previous
// group was made durable form the next group; the group's puts and deletes go to the journal
// as one record and one fdatasync, and only then are its writers answered. bbolt commits
// (its page writes and two fsyncs) only at checkpoints — every 500 ms while writes wait (2 s
// for the main file), on Flush and at Close — so a page many commits touch is written once, and a commit is one small
// sequential write. Open replays the journal since the last checkpoint, so a process killed
// at any moment keeps every write it acknowledged. Reads go through the committer as well,
// after the group's writes are durable: the open transaction is the only place holding every
// acknowledged write. bbolt holds an exclusive file lock, so one process owns a data directory.
package embedded
