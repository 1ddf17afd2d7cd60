package engine_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// Media goes out as Meta's media objects — by link with a caption, by uploaded id with a
// document's file name — and the conversation shows each with its content and a preview.
func stepMedia(t *testing.T, r *metaRig) {
	conv := r.customerWrites(t, r.tenantA, phoneA, "5511900000987")
	for _, tc := range []struct {
		name    string
		body    map[string]any
		preview string
		check   func(sent map[string]any) bool
	}{
		{"image by link", map[string]any{"conversationId": conv, "type": "image", "link": "https://cdn.example.com/comprovante.jpg", "caption": "Comprovante"},
			"Comprovante", func(m map[string]any) bool {
				img, _ := m["image"].(map[string]any)
				return m["type"] == "image" && img["link"] == "https://cdn.example.com/comprovante.jpg" && img["caption"] == "Comprovante" && img["id"] == nil
			}},
		{"document by id", map[string]any{"conversationId": conv, "type": "document", "mediaId": "1013859600285441", "filename": "nota-fiscal.pdf"},
			"nota-fiscal.pdf", func(m map[string]any) bool {
				doc, _ := m["document"].(map[string]any)
				return m["type"] == "document" && doc["id"] == "1013859600285441" && doc["filename"] == "nota-fiscal.pdf"
			}},
		{"sticker", map[string]any{"conversationId": conv, "type": "sticker", "mediaId": "2013859600285441"},
			"[sticker]", func(m map[string]any) bool { return m["type"] == "sticker" }},
	} {
		res := r.Post("/api/v1/messages/send-media", r.agent, tc.body)
		if res.Status != 202 {
			t.Fatalf("%s: %d %s", tc.name, res.Status, res.Body)
		}
		var d struct{ Message queuedView }
		res.Data(t, &d)
		if d.Message.Type != tc.body["type"] || d.Message.Text != tc.preview {
			t.Fatalf("%s: queued %+v", tc.name, d.Message)
		}
		var sent map[string]any
		eventually(t, 30*time.Second, func() bool {
			for _, s := range r.meta.Sent(phoneA) {
				if s.BizOpaqueCallbackData == d.Message.ID {
					sent = decodeJSON(t, s.Body)
					return true
				}
			}
			return false
		}, func() string { return tc.name + " never reached Meta" })
		if !tc.check(sent) {
			t.Fatalf("%s: Meta received %v", tc.name, sent)
		}
		var m messageView
		eventually(t, 30*time.Second, func() bool {
			m, _ = messageIn(t, r.Node, r.agent, conv, d.Message.ID)
			return within(m.Status, "sent", "delivered", "read")
		}, func() string { return fmt.Sprintf("%s in the conversation: %+v", tc.name, m) })
		if m.Type != tc.body["type"] || m.Text != tc.preview || len(m.Content) == 0 {
			t.Fatalf("%s in the conversation: %+v (content %s)", tc.name, m, m.Content)
		}
	}
}

func decodeJSON(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return m
}
