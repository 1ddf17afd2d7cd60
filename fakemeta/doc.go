// Package fakemeta is a stand-in for Meta's WhatsApp Cloud API, for tests, demos and the
// bench suite: the Graph endpoints the engine calls (send, mark read, media upload, the
// media object — GET /{media_id} with a download url, DELETE — onboarding, template sync,
// number health) answering like Meta — including its limits and error codes — and
// a webhook sender posting signed status and inbound webhooks with Meta's delivery habits
// (delays, retries, late duplicates, reordering, batches, asynchronous failures).
//
// It is a library (New, Start, Close; tests drive it in-process) and a binary
// (cmd/fakemeta).
//
// Failure injections queue faults for a number's next sends, in the order queued: FailNext
// (a synchronous error code), FailNextAsync (accepted, then failed by status webhook),
// DropNextResponses and GatewayErrorNextResponses (accepted, the answer lost: the "maybe
// sent" case), DelayNextStatuses (status webhooks late), each for count sends; and
// FailNextReadReceipts for mark-as-read requests; FailNextCalls fails the next calls of one
// management endpoint (message_templates, phone_numbers, subscribed_apps, a WABA or number
// node), and Config.ManagementBudget refuses a WABA's management calls beyond Meta's hourly
// allowance with 80007. Number-wide they hit whichever send comes
// next, whoever it is to; with a To(recipient) scope, only sends to that recipient, which
// take their scoped faults before the number-wide ones. A test that means one customer
// scopes its faults: another customer's message queued meanwhile would otherwise take them.
// Config.ErrorRate fails sends at random instead. Wire shapes come from transport/graph and are checked against the
// shared fixtures, so the stand-in and the engine cannot drift apart on a field name.
//
// What it does not model: billing, sends checking that a media id was uploaded, media ids of
// inbound messages (only uploads are media objects), groups, calls, enforcing the business messaging limit tier (it
// reports one: Meta documents no error for exceeding it), and inbound traffic counting
// toward the number's throughput.
package fakemeta
