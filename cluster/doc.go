// Package cluster runs Switchboard's actors on protoactor-go cluster kinds, on one node or
// many, and works around the library's sharp edges (ARCHITECTURE.md, "Actors and the
// cluster"):
//
//   - every grain call travels as one Envelope (a protobuf Any carrying a registered type
//     name and JSON bytes), so plain Go structs cross nodes and an unknown type is an error
//     value, never a crashed receiver;
//   - one Call wrapper owns deadlines, millisecond backoff, PID-cache flushing and "moved"
//     retries; nothing else calls cluster.Request. Its deadline bounds the identity lookup
//     too (lookup.go), and travels with a request to another node as remaining time, so a
//     request that waited past it is refused there as here (deadline.go);
//   - grains check they still own their identity before acting;
//   - membership is a single in-process member when Redis is not configured.
package cluster
