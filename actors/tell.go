package actors

import "time"

// tellTimeout bounds how long a Tell waits to locate a grain that is not cached (the node
// asks the grain's owner, cluster.Node.TellBy). Every Tell here runs where something waits for
// it: a conversation's Receive (its mailbox, and the replies of the flush it answers) or an
// accepted send's answer, which the API reports failed at its deadline although the row is
// queued. A lookup is one round trip to the owner's placement actor, well under a
// millisecond between healthy members and tens of milliseconds on a loaded one; an owner
// that is leaving (stopping its activations) or gone answers none, and without a bound the
// caller waited protoactor's 5 s. A message lost to the bound is repaired as any lost Tell
// is (the tenant rebuilds its index when it activates; a sender asks the conversation again).
const tellTimeout = 500 * time.Millisecond

// tellBy is the bound of a grain's Tells made from now: tellTimeout ahead. A time, not a
// context: these Tells are on the per-message path, and a context's timer cost more than the
// Tell itself when the PID is cached.
func tellBy() time.Time { return time.Now().Add(tellTimeout) }
