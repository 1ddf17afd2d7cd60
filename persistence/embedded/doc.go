// Package embedded is the zero-configuration persistence backend for a single node: one bbolt
// file, dir/switchboard.db, holding every collection of persistence.Store.
//
// Layout: one bbolt bucket per collection, keyed by the document's id, values JSON-encoded
// (goccy/go-json). Secondary lookups and orderings are index buckets whose keys carry
// everything a lookup needs (values are empty or an id), written in the same bbolt
// transaction as the document, so an index never disagrees with its collection.
//
// Durability: every write transaction is fsynced before it returns. Writes that callers
// issue concurrently (webhook appends, snapshot saves) go through bbolt's Batch, which
// merges them into one transaction and so one fsync — the group commit ARCHITECTURE.md asks
// for. bbolt holds an exclusive file lock, so only one process can own a data directory.
package embedded
