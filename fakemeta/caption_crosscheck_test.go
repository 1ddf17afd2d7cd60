package fakemeta

import (
	"strings"
	"testing"

	"github.com/switchboard/switchboard/transport/graph"
)

// Captions at and past the limit through fakemeta's check and the engine's (the REST edge
// refuses a caption of more than graph.MaxCaption characters): Meta's media pages allow
// 1,024 characters, counted as characters, not bytes.
func TestCaptionLimitAgreesWithEngine(t *testing.T) {
	for _, tc := range []struct {
		caption string
		taken   bool
	}{
		{strings.Repeat("c", 1024), true},
		{strings.Repeat("🙂", 1024), true},
		{strings.Repeat("c", 1025), false},
		{strings.Repeat("🙂", 1025), false},
	} {
		n := len([]rune(tc.caption))
		m := &graph.MediaObject{ID: "1188223344556677", Caption: tc.caption}
		if e := validateMedia(graph.TypeImage, m); (e == nil) != tc.taken {
			t.Errorf("fakemeta, caption of %d characters (%d bytes): %v, want taken %v", n, len(tc.caption), e, tc.taken)
		}
		if engineTakes := n <= graph.MaxCaption; engineTakes != tc.taken {
			t.Errorf("engine, caption of %d characters: taken %v, want %v", n, engineTakes, tc.taken)
		}
	}
}
