// Package persistence holds the narrow store interfaces the engine writes through, and the
// value types they carry. Two backends implement them: persistence/embedded (bbolt on local
// disk, the zero-configuration default for one node) and persistence/mongo (mongo-driver v2,
// for production and clusters). persistence/storetest is the contract suite both must pass.
//
// Rules every backend keeps (see ARCHITECTURE.md, "Persistence"):
//   - hot paths read and write by key (_id); nothing on a hot path scans;
//   - writes that arrive together are committed together (batch methods take slices);
//   - no single update command touches more than MaxDocsPerUpdate existing documents,
//     because FerretDB wedges on larger ones;
//   - conditional writes (snapshots, outbox transitions) are the only concurrency control:
//     there are no transactions.
package persistence
