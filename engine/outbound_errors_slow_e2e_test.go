package engine_test

import (
	"testing"
	"time"

	"github.com/switchboard/switchboard/engine/enginetest"
	"github.com/switchboard/switchboard/fakemeta"
)

// TestNumberHeldSlowAnswer: the 80007 step against a Meta whose answers lag its count by
// 300 ms — the gap a loaded machine opens between Meta refusing the send and the engine
// reading the refusal. Sends posted in that gap leave before the hold exists, so the step
// must await the engine's hold, not Meta's count.
func TestNumberHeldSlowAnswer(t *testing.T) {
	cfg := fakemeta.DefaultConfig()
	cfg.Latency = 300 * time.Millisecond // fakemeta counts on arrival, answers after it
	r := startWithMeta(t, enginetest.Embedded, cfg, errorTableEnv)
	stepNumberHeld(t, r)
}
