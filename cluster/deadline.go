package cluster

import (
	"strconv"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// A request from another node carries its caller's deadline, so a grain applies the same
// expiry rule to it as to a local one (grainActor): one that waited in the mailbox until its
// caller had given up is answered FailureExpired, not applied. Without it, a send the API had
// refused at its deadline (503) could still go out on the owning node, and the client's retry
// sent it twice.
//
// What travels is the caller's remaining time, not its deadline: the nodes' clocks need not
// agree, and a receiver whose clock ran ahead of the caller's by more than a call's timeout
// would refuse every request from it as expired (one behind would apply late ones). The
// receiving mailbox turns the remaining time into a deadline on its own clock when the
// request is posted (arrival stamp), before it waits in the queue, which is the wait the rule
// is about. The deadline it gets is later than the caller's by the request's transit (the
// sender's endpoint queue and the network, normally well under a millisecond between
// members): a request the grain reaches in that sliver after its caller gave up is still
// applied. Local calls have the like gap between the check and the reply reaching the caller;
// grains bound what they do after it by Replier.Deadline.
const (
	// timeoutHeader is the caller's remaining time, in nanoseconds, when it sent the request.
	timeoutHeader = "switchboard-timeout"
	// deadlineHeader is the receiver's deadline for the request, in nanoseconds since
	// stampEpoch, stamped by its mailbox on arrival.
	deadlineHeader = "switchboard-deadline"
)

// stampEpoch is what arrival stamps count from: a deadline rebuilt from it keeps Go's
// monotonic clock reading, so a step of the wall clock (NTP) between the stamp and the grain's
// check neither expires a request early nor keeps it late.
var stampEpoch = time.Now()

// requestEnvelope sends env to pid as a request whose caller waits d for the answer, and
// returns the future that gets it. Not protoactor's RequestFuture: that sends no headers.
func (n *Node) requestEnvelope(pid *actor.PID, env any, d time.Duration) *actor.Future {
	f := actor.NewFuture(n.system, d)
	n.system.Root.Send(pid, &actor.MessageEnvelope{
		Header:  map[string]string{timeoutHeader: strconv.FormatInt(int64(d), 10)},
		Message: env,
		Sender:  f.PID(),
	})
	return f
}

// arrivalStamp is the grains' mailbox middleware that turns a request's remaining time into
// a deadline of this node's clock as the request enters the mailbox. It runs on the posting
// goroutine before the message is queued, so the grain reads the header after it is written.
type arrivalStamp struct{}

var _ actor.MailboxMiddleware = arrivalStamp{}

func (arrivalStamp) MailboxStarted()     {}
func (arrivalStamp) MessageReceived(any) {}
func (arrivalStamp) MailboxEmpty()       {}
func (arrivalStamp) MessagePosted(msg any) {
	env, ok := msg.(*actor.MessageEnvelope)
	if !ok || env.Header == nil {
		return
	}
	remaining, err := strconv.ParseInt(env.Header.Get(timeoutHeader), 10, 64)
	if err != nil {
		return // no deadline (a Tell, a node running older code): applied when reached
	}
	// The header map is the request's own (decoded from the wire, or built by
	// requestEnvelope for this one send): nothing else reads it before the grain.
	env.Header.Set(deadlineHeader, strconv.FormatInt(int64(time.Since(stampEpoch))+remaining, 10))
}

// envelopeDeadline is the deadline arrivalStamp gave the current message (zero: none).
func envelopeDeadline(ac actor.Context) time.Time {
	h := ac.MessageHeader()
	if h == nil {
		return time.Time{}
	}
	ns, err := strconv.ParseInt(h.Get(deadlineHeader), 10, 64)
	if err != nil {
		return time.Time{}
	}
	return stampEpoch.Add(time.Duration(ns))
}
