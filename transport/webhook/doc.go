// Package webhook is the inbound pipeline's edge and processor.
//
// The edge (handler.go) verifies X-Hub-Signature-256 over the raw bytes, appends the body to
// the durable inbox through a group-committing writer (writer.go), and only then answers
// 200. A store that cannot take the write answers 503, so Meta retries.
//
// The processor (processor.go) turns inbox entries into grain calls: one dispatcher parses
// entries in arrival order and routes each conversation's share to a lane chosen by the
// conversation (lanes.go), so one conversation's deliveries stay in order while different
// conversations proceed in parallel. An entry is marked processed only after every grain it
// touched has persisted its part; entries left unprocessed by a crash are replayed at start.
// An entry replay takes while it waits in the live queue is not dispatched again from there
// (live.go): on one node each entry is dispatched once.
// A lane never blocks the dispatcher: a full one leaves the entries it cannot take in the
// inbox and has them replayed in order once it drained, and a call that fails for long while
// others succeed is kept as a dead letter (lanes.go), so one conversation that cannot be
// written holds up its lane only, and only for a while.
package webhook
