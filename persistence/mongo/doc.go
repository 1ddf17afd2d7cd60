// Package mongo is the MongoDB persistence backend (mongo-driver v2), for production and every
// cluster deployment. CI runs it against FerretDB 1.24, so it uses only what both servers do
// correctly (ARCHITECTURE.md, "Persistence"):
//
//   - no transactions: each write that must be atomic is one conditional single-document
//     write (snapshots, outbox transitions, phone-number claims); multi-document writes are
//     ordered so a crash between them leaves nothing a reader trusts (see tenants.go);
//   - no update command touches more than persistence.MaxDocsPerUpdate existing documents
//     (FerretDB wedges its connection pool on larger ones): bulk updates go in chunks;
//   - correctness rests only on _id and unique indexes, which FerretDB enforces; the other
//     indexes only make real MongoDB fast (FerretDB scans regardless);
//   - no distinct, $lookup, change streams or TTL/partial indexes.
//
// Every call runs under the caller's deadline, or DefaultTimeout when the caller set none.
package mongo
