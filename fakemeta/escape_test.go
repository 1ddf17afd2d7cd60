package fakemeta

import (
	"bytes"
	"regexp"
	"testing"

	json "github.com/goccy/go-json"

	"github.com/switchboard/switchboard/internal/fixtures"
	"github.com/switchboard/switchboard/transport/graph"
)

// The escaper turns the raw-UTF-8 form of fixtures/webhooks/inbound_reaction_escaped_raw.txt
// back into the fixture's exact bytes, whose signature is the fixture's test vector.
func TestMetaEscapeReproducesTheFixture(t *testing.T) {
	want := fixtures.Read(t, "webhooks/inbound_reaction_escaped_raw.txt")
	var vectors struct {
		AppSecret string `json:"app_secret"`
		Vectors   []struct {
			File      string `json:"file"`
			Signature string `json:"x_hub_signature_256"`
		} `json:"vectors"`
	}
	if err := json.Unmarshal(fixtures.Read(t, "signature_test_vectors.json"), &vectors); err != nil {
		t.Fatal(err)
	}
	unescaped := bytes.ReplaceAll(want, []byte(`\ud83d\udc4d`), []byte("👍"))
	if bytes.Equal(unescaped, want) {
		t.Fatal("the fixture no longer escapes 👍")
	}
	got := metaEscape(unescaped)
	if !bytes.Equal(got, want) {
		t.Fatalf("\ngot  %s\nwant %s", got, want)
	}
	var sig string
	for _, v := range vectors.Vectors {
		if v.File == "webhooks/inbound_reaction_escaped_raw.txt" {
			sig = v.Signature
		}
	}
	if sig == "" || graph.SignatureValue(vectors.AppSecret, got) != sig {
		t.Fatalf("signature %s, vector %q", graph.SignatureValue(vectors.AppSecret, got), sig)
	}
	if ascii := []byte(`{"a":"<b>&</b> a/b"}`); !bytes.Equal(metaEscape(ascii), ascii) {
		t.Fatalf("ASCII changed: %s", metaEscape(ascii))
	}
}

// Webhook bodies go out in Meta's bytes: non-ASCII as lowercase \uXXXX (a surrogate pair
// beyond the BMP, written as the fixture writes 👍), ASCII — '<', '>', '&', '/' included — as
// it is, signed over exactly those bytes (the sink verifies before it parses).
func TestWebhookBodiesEscapedLikeMeta(t *testing.T) {
	sk := startSink(t)
	s := startFake(t, Config{CallbackURL: sk.url})
	const text = "Olá 👍 <b>&</b> a/b"
	if _, err := s.SendInbound(bg(), pnA, userWaID, "Zoë", text); err != nil {
		t.Fatal(err)
	}
	thumb := regexp.MustCompile(`"emoji":"([^"]+)"`).FindSubmatch(fixtures.Read(t, "webhooks/inbound_reaction_escaped_raw.txt"))
	if thumb == nil {
		t.Fatal("no emoji in the fixture")
	}
	bodies := sk.rawBodies()
	if len(bodies) != 1 {
		t.Fatalf("%d bodies", len(bodies))
	}
	body := bodies[0]
	for _, want := range []string{`"body":"Ol\u00e1 ` + string(thumb[1]) + ` <b>&</b> a/b"`, `"name":"Zo\u00eb"`} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("body lacks %s:\n%s", want, body)
		}
	}
	if i := bytes.IndexFunc(body, func(r rune) bool { return r >= 0x80 }); i >= 0 {
		t.Errorf("raw non-ASCII at %d: %s", i, body)
	}
	_, msgs, bad := sk.snapshot()
	if len(bad) > 0 || len(msgs) != 1 || msgs[0].Text.Body != text {
		t.Fatalf("bad %v, messages %+v", bad, msgs)
	}
}
