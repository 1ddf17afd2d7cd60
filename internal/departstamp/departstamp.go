// Package departstamp carries the moment a send left a number's departure gate (actors'
// departures.go) to the Graph client, which writes it on the request, so a Meta stand-in can
// tell the time a request spent between the gate and its arrival from the pacing itself.
// Meta ignores the header; fakemeta keeps it with the requests of a number's busiest second
// (bench pacing: a second above the rate says whether the requests left spaced).
package departstamp

import (
	"context"
	"strconv"
	"time"
)

// Header names the departure on a Graph request: Unix nanoseconds of the gate's clock.
const Header = "X-Switchboard-Departed"

type key struct{}

// With returns ctx carrying the departure at.
func With(ctx context.Context, at time.Time) context.Context {
	return context.WithValue(ctx, key{}, at)
}

// From is the departure ctx carries, if any.
func From(ctx context.Context) (time.Time, bool) {
	at, ok := ctx.Value(key{}).(time.Time)
	return at, ok
}

// Format is at as Header's value.
func Format(at time.Time) string { return strconv.FormatInt(at.UnixNano(), 10) }

// Parse reads Header's value; the zero time when it is missing or not a stamp.
func Parse(v []byte) time.Time {
	ns, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil || ns <= 0 {
		return time.Time{}
	}
	return time.Unix(0, ns)
}
