package departstamp

import (
	"context"
	"testing"
	"time"
)

// A departure travels in the context and through the header unchanged, to the nanosecond;
// anything else in the header reads as no stamp.
func TestDepartureRoundTrip(t *testing.T) {
	at := time.Date(2026, 12, 7, 12, 0, 0, 123456789, time.UTC)
	if _, ok := From(context.Background()); ok {
		t.Fatal("a context without a departure reported one")
	}
	got, ok := From(With(context.Background(), at))
	if !ok || !got.Equal(at) {
		t.Fatalf("From(With(at)) = %v, %v; want %v", got, ok, at)
	}
	if back := Parse([]byte(Format(at))); !back.Equal(at) {
		t.Fatalf("Parse(Format(at)) = %v, want %v", back, at)
	}
	for _, bad := range []string{"", "x", "-5", "0", "1.5"} {
		if got := Parse([]byte(bad)); !got.IsZero() {
			t.Fatalf("Parse(%q) = %v, want the zero time", bad, got)
		}
	}
}
