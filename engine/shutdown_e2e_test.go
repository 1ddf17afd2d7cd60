package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/switchboard/switchboard/engine/enginetest"
)

// Regression: a stop issued before the Serve goroutine registered its listener with fasthttp
// left Serve accepting forever (fasthttp closes only listeners it knows). Shutdown now
// reports a server still serving at its deadline, so this fails instead of leaking.
func TestStopRightAfterStart(t *testing.T) {
	n := enginetest.Start(t, enginetest.Options{Backend: enginetest.Embedded})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := n.Engine.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	// A second call (the harness's cleanup makes one) returns the first result at once.
}
