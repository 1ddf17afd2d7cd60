package engine_test

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"mime/multipart"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/engine/enginetest"
	"github.com/switchboard/switchboard/fakemeta"
	"github.com/switchboard/switchboard/internal/fixtures"
)

// uploadForm is a multipart body with one file part (partType as its Content-Type, none
// when empty) and the given fields.
func uploadForm(t *testing.T, filename, partType string, data []byte, fields map[string]string) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	h := textproto.MIMEHeader{"Content-Disposition": {fmt.Sprintf(`form-data; name="file"; filename=%q`, filename)}}
	if partType != "" {
		h.Set("Content-Type", partType)
	}
	p, err := w.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), w.FormDataContentType()
}

type uploadedView struct {
	ID, Type, MIMEType, Filename string
	Size                         int64
}

func (r *metaRig) upload(t *testing.T, token, query, filename, partType string, data []byte, fields map[string]string) enginetest.Response {
	t.Helper()
	body, ct := uploadForm(t, filename, partType, data, fields)
	return r.Do(enginetest.Request{Method: "POST", Path: "/api/v1/media" + query, Token: token, Body: body, ContentType: ct})
}

// An agent attaches a file: POST /media uploads it to Meta from the tenant's number and
// answers Meta's media id, which send-media sends. The file reaches Meta intact (same
// SHA-256), a file above the server's usual 3 MiB bound but within MEDIA_UPLOAD_LIMIT
// passes, and a type given as application/octet-stream is read from the file itself.
func TestMediaUploadThenSend(t *testing.T) {
	r := startWithMeta(t, enginetest.Embedded, fakemeta.DefaultConfig(), nil)
	conv := r.customerWrites(t, r.tenantA, phoneA, "5511900000777")
	jpeg := append([]byte{0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 'J', 'F', 'I', 'F', 0}, bytes.Repeat([]byte{7}, 4096)...)
	for _, f := range []struct {
		name, partType, wantMIME, wantType string
		data                               []byte
	}{
		{"recibo.jpg", "image/jpeg", "image/jpeg", "image", jpeg},
		{"foto.jpg", "application/octet-stream", "image/jpeg", "image", jpeg},
		{"contrato.pdf", "application/pdf", "application/pdf", "document", append([]byte("%PDF-1.7\n"), make([]byte, 4<<20)...)},
	} {
		res := r.upload(t, r.agent, "", f.name, f.partType, f.data, nil)
		if res.Status != 201 {
			t.Fatalf("%s: %d %s", f.name, res.Status, res.Body)
		}
		var d struct{ Media uploadedView }
		res.Data(t, &d)
		sum := sha256.Sum256(f.data)
		got, ok := r.meta.Uploaded(d.Media.ID)
		if d.Media.Type != f.wantType || d.Media.MIMEType != f.wantMIME || d.Media.Size != int64(len(f.data)) || d.Media.Filename != f.name ||
			!ok || got.PhoneNumberID != phoneA || got.SHA256 != base64.StdEncoding.EncodeToString(sum[:]) || got.MIMEType != f.wantMIME {
			t.Fatalf("%s: answered %+v, Meta has %+v", f.name, d.Media, got)
		}
		if f.name != "recibo.jpg" {
			continue
		}
		send := r.Post("/api/v1/messages/send-media", r.agent, map[string]any{"conversationId": conv, "type": d.Media.Type, "mediaId": d.Media.ID, "caption": "seu recibo"})
		if send.Status != 202 {
			t.Fatalf("send-media with the uploaded id: %d %s", send.Status, send.Body)
		}
		eventually(t, 30*time.Second, func() bool {
			for _, m := range r.meta.Sent(phoneA) {
				if m.Request.Image != nil && m.Request.Image.ID == d.Media.ID {
					return true
				}
			}
			return false
		}, func() string { return "the uploaded image never reached Meta in a send" })
	}
	if n := r.meta.Stats().Numbers[phoneA].Uploads; n != 3 {
		t.Fatalf("Meta counted %d uploads, want 3", n)
	}
}

// What Meta would refuse is refused before Meta is asked (400 naming the field), a body
// beyond MEDIA_UPLOAD_LIMIT is 413 before it is read, a tenant that cannot send cannot
// upload, and Meta's refusal of the token is needs_reauth. None of it reaches Meta.
func TestMediaUploadRefusals(t *testing.T) {
	r := startWithMeta(t, enginetest.Embedded, fakemeta.DefaultConfig(), nil)
	tenantB := addTenantB(t, r.Node)
	cases := []struct {
		name, token, query, filename, partType string
		data                                   []byte
		fields                                 map[string]string
		status                                 int
		code, field                            string
	}{
		{"a gif", r.agent, "", "a.gif", "image/gif", []byte("GIF89a"), nil, 400, "validation_failed", "type"},
		{"an image over Meta's 5 MB", r.agent, "", "big.png", "image/png", make([]byte, 5<<20+1), nil, 400, "validation_failed", "file"},
		{"an empty file", r.agent, "", "nada.pdf", "application/pdf", nil, nil, 400, "validation_failed", "file"},
		{"a name too long", r.agent, "", strings.Repeat("a", 241) + ".txt", "text/plain", []byte("x"), nil, 400, "validation_failed", "file"},
		{"an executable declared image/jpeg", r.agent, "", "foto.jpg", "image/jpeg", append([]byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00"), make([]byte, 100)...), nil, 400, "media_type_mismatch", "file"},
		{"a platform admin naming no tenant", r.admin, "", "a.jpg", "image/jpeg", []byte{0xff, 0xd8, 0xff}, nil, 400, "validation_failed", "tenantId"},
		{"an agent naming another tenant", r.agent, "?tenantId=" + tenantB.ID, "a.jpg", "image/jpeg", []byte{0xff, 0xd8, 0xff}, nil, 404, "not_found", ""},
		{"a tenant with no token", r.admin, "?tenantId=" + tenantB.ID, "a.jpg", "image/jpeg", []byte{0xff, 0xd8, 0xff}, nil, 422, "not_configured", ""},
		{"a tenant that does not exist", r.admin, "?tenantId=000000000000000000000000", "a.jpg", "image/jpeg", []byte{0xff, 0xd8, 0xff}, nil, 404, "not_found", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := r.upload(t, tc.token, tc.query, tc.filename, tc.partType, tc.data, tc.fields)
			if res.Status != tc.status || res.Code() != tc.code {
				t.Fatalf("%d %s, want %d %s", res.Status, res.Body, tc.status, tc.code)
			}
			if tc.field != "" && !strings.Contains(string(res.Body), `"field":"`+tc.field+`"`) {
				t.Fatalf("details do not name %s: %s", tc.field, res.Body)
			}
		})
	}
	if res := r.Post("/api/v1/media", r.agent, map[string]string{"file": "x"}); res.Status != 415 || res.Code() != "unsupported_media_type" {
		t.Fatalf("a JSON body: %d %s", res.Status, res.Body)
	}
	if status, body := rawOversizedPost(t, r.Engine.Addr(), "/api/v1/media", 17<<20); status != 413 || !strings.Contains(body, `"payload_too_large"`) {
		t.Fatalf("a body over MEDIA_UPLOAD_LIMIT: %d %s", status, body)
	}
	// Without a token that verifies, the upload's bounds do not apply: the server's
	// (API_BODY_LIMIT) refuse a 2 MiB body before it is read, so anonymous connections
	// cannot make the server hold 16 MiB each while it waits for their bodies.
	if status, body := rawOversizedPost(t, r.Engine.Addr(), "/api/v1/media", 2<<20); status != 413 || !strings.Contains(body, `"payload_too_large"`) {
		t.Fatalf("an anonymous 2 MiB upload: %d %s", status, body)
	}
	// A compressed upload is refused before its body is read. fasthttp's multipart reader
	// gunzips a body labelled gzip with no bound and keeps the form in memory: a 40 KB body
	// inflating to 40 MiB (a 16 MiB one to 16 GiB) passed MEDIA_UPLOAD_LIMIT, which bounds
	// the bytes on the wire, and any agent could exhaust the node's memory.
	// A body labelled with another coding (sent plain here) is refused the same way.
	bomb, ct := uploadForm(t, "zeros.jpg", "image/jpeg", append([]byte{0xff, 0xd8, 0xff}, make([]byte, 40<<20)...), nil)
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	_, _ = zw.Write(bomb)
	_ = zw.Close()
	small, smallCT := uploadForm(t, "a.jpg", "image/jpeg", []byte{0xff, 0xd8, 0xff}, nil)
	for _, tc := range []struct {
		enc, ct string
		body    []byte
	}{{"gzip", ct, zb.Bytes()}, {"deflate", smallCT, small}} {
		enc, body := tc.enc, tc.body
		res := r.Do(enginetest.Request{Method: "POST", Path: "/api/v1/media", Token: r.agent, Body: body, ContentType: tc.ct,
			Header: map[string]string{"Content-Encoding": enc}})
		if res.Status != 415 || res.Code() != "unsupported_media_type" {
			t.Fatalf("an upload with Content-Encoding %s (%d bytes on the wire): %d %s", enc, len(body), res.Status, res.Body)
		}
	}
	// A webhook may still be as large as Meta sends (WEBHOOK_BODY_LIMIT, above API_BODY_LIMIT).
	big := fixtures.Read(t, "webhooks/status_delivered.json")
	big = append(big[:len(big)-1:len(big)-1], append([]byte(strings.Repeat(" ", 2<<20)), big[len(big)-1])...)
	if res := postWebhook(t, r.Node, big); res.Status != 200 {
		t.Fatalf("a 2 MiB webhook: %d %s", res.Status, res.Body)
	}
	if n := r.meta.Stats().Numbers[phoneA].Uploads; n != 0 {
		t.Fatalf("%d refused uploads reached Meta", n)
	}
	setToken(t, r.Node, r.tenantA, "EAA-revoked")
	if res := r.upload(t, r.agent, "", "a.jpg", "image/jpeg", []byte{0xff, 0xd8, 0xff}, nil); res.Status != 422 || res.Code() != "needs_reauth" {
		t.Fatalf("a token Meta refuses: %d %s", res.Status, res.Body)
	}
}
