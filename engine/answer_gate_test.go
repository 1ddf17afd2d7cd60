package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// answerGate is a hop between the engine (META_GRAPH_URL) and fakemeta that holds back
// Meta's answers to sends: a send reaches fakemeta, which logs it and schedules its status
// webhooks, and its answer waits at the gate until the test lets it through. A process
// killed then dies with those sends in flight at Meta, which a latency cannot promise
// (a latency's answers come on their own clock, not the test's).
type answerGate struct {
	url    string
	tokens chan struct{} // each lets one held answer through
	open   chan struct{} // closed: every answer passes
	opened sync.Once

	mu   sync.Mutex
	held map[string]bool // the callback data (our message ids) of the answers held now
}

type gatedSend struct{}

func newAnswerGate(t *testing.T, upstream string) *answerGate {
	t.Helper()
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	g := &answerGate{tokens: make(chan struct{}, 1024), open: make(chan struct{}), held: map[string]bool{}}
	proxy := httputil.NewSingleHostReverseProxy(u)
	proxy.ModifyResponse = func(resp *http.Response) error {
		ctx := resp.Request.Context()
		id, ok := ctx.Value(gatedSend{}).(string)
		if !ok {
			return nil
		}
		g.mu.Lock()
		g.held[id] = true
		g.mu.Unlock()
		defer func() { g.mu.Lock(); delete(g.held, id); g.mu.Unlock() }()
		select {
		case <-g.tokens:
		case <-g.open:
		case <-ctx.Done(): // the engine hung up (killed): the answer never reaches it
			return ctx.Err()
		}
		return nil
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		// Only sends carry our id as callback data; mark-read and typing requests pass.
		if id := callbackData(body); r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/messages") && id != "" {
			r = r.WithContext(context.WithValue(r.Context(), gatedSend{}, id))
		}
		proxy.ServeHTTP(w, r)
	}))
	g.url = srv.URL
	t.Cleanup(func() { g.Open(); srv.Close() })
	return g
}

// Release lets the next n answers through.
func (g *answerGate) Release(n int) {
	for range n {
		g.tokens <- struct{}{}
	}
}

// Open lets every answer through from now on.
func (g *answerGate) Open() { g.opened.Do(func() { close(g.open) }) }

// Held is the ids of the sends whose answers the gate holds now.
func (g *answerGate) Held() map[string]bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make(map[string]bool, len(g.held))
	for id := range g.held {
		out[id] = true
	}
	return out
}

// callbackData is a send body's biz_opaque_callback_data, "" when it has none.
func callbackData(body []byte) string {
	var p struct {
		CallbackData string `json:"biz_opaque_callback_data"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return ""
	}
	return p.CallbackData
}
