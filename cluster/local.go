package cluster

import "github.com/asynkron/protoactor-go/actor"

// local carries a request or reply between a caller and a grain of the same node. Within one
// process the value itself travels, not its JSON: no encoding, no decoding, far less garbage
// on the hot path. Between nodes every message is still an Envelope (encoded Any), which is
// what protoactor's remote requires. The value is shared, so neither side may change it after
// sending: requests and replies are built per call and never reused.
type local struct {
	msg any
}

// isLocal reports whether pid lives in this node's actor system.
func (n *Node) isLocal(pid *actor.PID) bool {
	return pid != nil && pid.Address == n.system.Address()
}

// wrap prepares msg for pid: itself when local (unless the node was told to always encode),
// else an Envelope.
func (n *Node) wrap(pid *actor.PID, msg any) (any, error) {
	if n.isLocal(pid) && !n.alwaysEncode {
		if _, ok := n.codec.name(msg); !ok {
			return nil, errUnregistered(msg)
		}
		return &local{msg: msg}, nil
	}
	return n.codec.Encode(msg)
}
