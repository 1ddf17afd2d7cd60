package graph

import (
	"context"
	"testing"
	"time"
)

// estimated_time_to_regain_access is Meta's number, read from a header: an absurd one must
// neither overflow the backoff (a negative wait panics in the jitter) nor park a message
// for years.
func TestClientRegainAccessBounded(t *testing.T) {
	g := startGraphServer(t)
	c := newTestClient(t, g.url)
	for _, regain := range []string{"1000000000000", "9223372036854775807", "100000000", "2000"} {
		t.Run(regain, func(t *testing.T) {
			g.mu.Lock()
			g.headers = map[string]string{"X-Business-Use-Case-Usage": `{"` + wabaID + `":[{"type":"whatsapp","estimated_time_to_regain_access":` + regain + `}]}`}
			g.mu.Unlock()
			g.reply(400, []byte(`{"error":{"message":"(#80007) Rate limit","type":"OAuthException","code":80007}}`))
			_, err := c.SendMessage(context.Background(), tokenA, pnID, NewMessage("+5511987654321").WithText("hi"))
			var d time.Duration
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("Backoff panicked: %v", r)
					}
				}()
				d = Backoff(err, 0)
			}()
			if d < rateLimitBase/2 || d > 2*maxRegainAccess {
				t.Fatalf("wait %v, want within [%v, %v]", d, rateLimitBase/2, 2*maxRegainAccess)
			}
		})
	}
}
