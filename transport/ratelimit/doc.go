// Package ratelimit decides whether one more request of a caller fits its rule ("100 per
// 15 minutes per IP"). Two limiters share one algorithm, the sliding window counter:
//
//   - Memory counts in this process. It is the single-node limiter and the fallback of Redis.
//   - Redis counts in Redis with one atomic Lua script per decision, so every node of a
//     cluster shares one budget per key. When Redis fails, it decides with its fallback and
//     says so once per outage in the log: an outage loosens the limits to per node, it never
//     takes the API down.
//
// # The sliding window counter
//
// Each (rule, key) keeps two counters: requests allowed in the current window and in the
// previous one. A request is allowed when
//
//	floor(previous × (window − elapsed) / window) + current + 1 ≤ limit
//
// where elapsed is the time since the current window began: the previous window's requests
// are assumed spread evenly, and the share of them still inside the last window-length
// counts. This keeps two words per key (unlike a log of timestamps) and has no burst of
// twice the limit at a boundary (unlike a fixed window): a caller that spent its budget at
// the end of one window gets it back only as that window fades out of the next. It is an
// estimate all the same: over an arbitrary stretch of one window's length up to twice the
// limit can pass (a caller saving its budget for the very end of one window, then spending
// the next as it fades in), while the rate over several windows is the limit per window.
// Windows begin at a key's first request, not on a wall-clock grid, so keys do not all
// reset together and a caller's first Limit requests are always allowed.
//
// The floor makes the estimate err by less than one request toward allowing, and in return
// RetryAfter never exceeds the window: a key denied because its current window is full is
// free again at the first tick of the next one. Only denied requests are not counted, so a
// caller hammering a closed limit does not extend its own wait.
package ratelimit
