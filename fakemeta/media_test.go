package fakemeta

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"mime/multipart"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/graph"
)

// The engine's client uploads a file and gets Meta's media id; fakemeta keeps what it got
// (size, SHA-256) and counts the upload. A 6 MiB document passes although every other
// request is bounded at 4 MiB.
func TestMediaUploadThroughTheClient(t *testing.T) {
	s := startFake(t, Config{})
	c := clientFor(t, s)
	for _, f := range []graph.MediaUpload{
		{Filename: "nota.jpg", MIMEType: "image/jpeg", Data: bytes.Repeat([]byte{0xff, 0xd8}, 1000)},
		{Filename: "contrato.pdf", MIMEType: "application/pdf", Data: bytes.Repeat([]byte("%PDF"), 6<<20/4)},
		{Filename: "voz.ogg", MIMEType: "audio/ogg; codecs=opus", Data: []byte("OggS")},
	} {
		res, err := c.UploadMedia(bg(), tokenA, pnA, f)
		if err != nil {
			t.Fatalf("%s: %v", f.Filename, err)
		}
		got, ok := s.Uploaded(res.ID)
		sum := sha256.Sum256(f.Data)
		if !ok || got.PhoneNumberID != pnA || got.Size != int64(len(f.Data)) || got.Filename != f.Filename ||
			got.SHA256 != base64.StdEncoding.EncodeToString(sum[:]) || got.MIMEType != f.MIMEType {
			t.Fatalf("%s: kept %+v", f.Filename, got)
		}
	}
	if n := s.Stats().Numbers[pnA].Uploads; n != 3 {
		t.Fatalf("%d uploads counted, want 3", n)
	}
}

// What Meta refuses, fakemeta refuses with Meta's code: 131053 for the file itself (a type
// WhatsApp does not send, a file larger than Meta takes of its type), 100 for the form, and
// the token's own errors for a number it may not use.
func TestMediaUploadRefusals(t *testing.T) {
	s := startFake(t, Config{})
	c := clientFor(t, s)
	cases := []struct {
		name  string
		token string
		file  graph.MediaUpload
		code  int
	}{
		{"a gif", tokenA, graph.MediaUpload{Filename: "a.gif", MIMEType: "image/gif", Data: []byte("GIF89a")}, 131053},
		{"an image over 5 MiB", tokenA, graph.MediaUpload{Filename: "big.png", MIMEType: "image/png", Data: make([]byte, 5<<20+1)}, 131053},
		{"a sticker over 500 KiB", tokenA, graph.MediaUpload{Filename: "s.webp", MIMEType: "image/webp", Data: make([]byte, 500<<10+1)}, 131053},
		{"a still sticker over 100 KiB", tokenA, graph.MediaUpload{Filename: "s.webp", MIMEType: "image/webp", Data: stillWebP(100<<10 + 1)}, 131053},
		{"no type", tokenA, graph.MediaUpload{Filename: "x.jpg", Data: []byte{1}}, 100},
		{"another business's number", tokenB, graph.MediaUpload{Filename: "x.jpg", MIMEType: "image/jpeg", Data: []byte{1}}, 100},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.UploadMedia(bg(), tc.token, pnA, tc.file)
			if e := asAPIError(t, err); e.Code != tc.code {
				t.Fatalf("code %d (%v), want %d", e.Code, e, tc.code)
			}
		})
	}

	whole := map[string]string{"messaging_product": "whatsapp", "type": "image/jpeg"}
	forms := []struct {
		name     string
		fields   map[string]string
		part     string // the file part's Content-Type; "" leaves the file out
		encoding string // the body's Content-Encoding (gzip: compressed)
		code     int
	}{
		{"no messaging_product", map[string]string{"type": "image/jpeg"}, "image/jpeg", "", 100},
		{"no file", whole, "", "", 100},
		{"the file is not of its type", map[string]string{"messaging_product": "whatsapp", "type": "image/png"}, "image/jpeg", "", 131053},
		// fasthttp's form reader inflates a compressed body with no bound: refused unread.
		{"a compressed form", whole, "image/jpeg", "gzip", 100},
	}
	for _, f := range forms {
		t.Run(f.name, func(t *testing.T) {
			status, body := postForm(t, s.URL()+"/v24.0/"+pnA+"/media", tokenA, f.fields, f.part, f.encoding)
			if e := apiErr(t, status, body); e.Code != f.code {
				t.Fatalf("code %d, want %d: %s", e.Code, f.code, body)
			}
		})
	}
	if n := s.Stats().Numbers[pnA].Uploads; n != 0 {
		t.Fatalf("%d refused uploads counted", n)
	}
}

// postForm posts a multipart form with fields and, when part is set, a one-byte file of
// that Content-Type; encoding gzip sends it compressed.
func postForm(t *testing.T, url, token string, fields map[string]string, part, encoding string) (int, []byte) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if part != "" {
		h := textproto.MIMEHeader{"Content-Disposition": {`form-data; name="file"; filename="f"`}, "Content-Type": {part}}
		p, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = p.Write([]byte{1})
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI(url)
	req.Header.SetMethod("POST")
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.SetContentType(w.FormDataContentType())
	req.SetBody(buf.Bytes())
	if encoding == "gzip" {
		req.SetBody(fasthttp.AppendGzipBytes(nil, buf.Bytes()))
		req.Header.Set(fasthttp.HeaderContentEncoding, "gzip")
	}
	if err := fasthttp.DoTimeout(req, resp, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(resp.Header.ContentType()), "json") {
		t.Fatalf("answer of type %s", resp.Header.ContentType())
	}
	return resp.StatusCode(), append([]byte(nil), resp.Body()...)
}

// An uploaded file is Meta's media object: GET /{media_id} (the engine's MediaURL) describes
// it and gives a url its bytes download from with the bearer token; another business's token
// finds no such object; DELETE removes it, url included, and a second DELETE finds nothing.
func TestMediaObjectDescribeDownloadDelete(t *testing.T) {
	s := startFake(t, Config{})
	c := clientFor(t, s)
	file := graph.MediaUpload{Filename: "recibo.pdf", MIMEType: "application/pdf", Data: []byte("%PDF-1.7 recibo")}
	up, err := c.UploadMedia(bg(), tokenA, pnA, file)
	if err != nil {
		t.Fatal(err)
	}
	m, err := c.MediaURL(bg(), tokenA, up.ID)
	sum := sha256.Sum256(file.Data)
	if err != nil || m.ID != up.ID || m.MessagingProduct != "whatsapp" || m.MimeType != file.MIMEType ||
		m.SHA256 != base64.StdEncoding.EncodeToString(sum[:]) || string(m.FileSize) != "15" || m.URL == "" {
		t.Fatalf("media %+v, %v", m, err)
	}

	get := func(uri, token string) (int, []byte) {
		req, res := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		defer fasthttp.ReleaseRequest(req)
		defer fasthttp.ReleaseResponse(res)
		req.SetRequestURI(uri)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		if err := fasthttp.DoTimeout(req, res, 5*time.Second); err != nil {
			t.Fatal(err)
		}
		return res.StatusCode(), append([]byte(nil), res.Body()...)
	}
	download := func(token string) (int, []byte) { return get(m.URL, token) }
	if status, body := download(tokenA); status != 200 || !bytes.Equal(body, file.Data) {
		t.Fatalf("download: %d %q", status, body)
	}
	for _, tc := range []struct {
		name, token string
		status      int
	}{{"no token", "", 401}, {"another business's token", tokenB, 403}} {
		if status, _ := download(tc.token); status != tc.status {
			t.Errorf("download with %s: %d, want %d", tc.name, status, tc.status)
		}
	}
	wantCode := func(what string, err error, code int) {
		t.Helper()
		var ae *graph.APIError
		if !errors.As(err, &ae) || ae.Code != code {
			t.Fatalf("%s: %v, want Meta's %d", what, err, code)
		}
	}
	_, err = c.MediaURL(bg(), tokenB, up.ID)
	wantCode("described to another business", err, 100)
	for pn, want := range map[string]int{pnA: 200, pnB: 400} {
		if status, body := get(s.URL()+"/v21.0/"+up.ID+"?phone_number_id="+pn, tokenA); status != want {
			t.Fatalf("described as number %s's media: %d %s", pn, status, body)
		}
	}

	wantCode("deleted by another business", c.DeleteMedia(bg(), tokenB, up.ID), 100)
	if err := c.DeleteMedia(bg(), tokenA, up.ID); err != nil {
		t.Fatal(err)
	}
	_, err = c.MediaURL(bg(), tokenA, up.ID)
	wantCode("described after its deletion", err, 100)
	wantCode("deleted twice", c.DeleteMedia(bg(), tokenA, up.ID), 100)
	if status, _ := download(tokenA); status != 404 {
		t.Fatalf("download after deletion: %d", status)
	}
}

// Uploads are kept for download only up to MaxKeptMedia: beyond it a file is still taken and
// described, its download is 404, and a deletion makes room again.
func TestMediaKeptWithinItsBound(t *testing.T) {
	s := startFake(t, Config{MaxKeptMedia: 1000})
	c := clientFor(t, s)
	upload := func(n int) string {
		t.Helper()
		up, err := c.UploadMedia(bg(), tokenA, pnA, graph.MediaUpload{Filename: "a.pdf", MIMEType: "application/pdf", Data: bytes.Repeat([]byte("x"), n)})
		if err != nil {
			t.Fatal(err)
		}
		return up.ID
	}
	downloads := func(id string) int {
		t.Helper()
		m, err := c.MediaURL(bg(), tokenA, id)
		if err != nil {
			t.Fatal(err)
		}
		req, res := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		defer fasthttp.ReleaseRequest(req)
		defer fasthttp.ReleaseResponse(res)
		req.SetRequestURI(m.URL)
		req.Header.Set("Authorization", "Bearer "+tokenA)
		if err := fasthttp.DoTimeout(req, res, 5*time.Second); err != nil {
			t.Fatal(err)
		}
		return res.StatusCode()
	}
	first, second := upload(600), upload(600)
	if a, b := downloads(first), downloads(second); a != 200 || b != 404 {
		t.Fatalf("kept: %d, beyond the bound: %d; want 200 and 404", a, b)
	}
	if err := c.DeleteMedia(bg(), tokenA, first); err != nil {
		t.Fatal(err)
	}
	if third := upload(600); downloads(third) != 200 {
		t.Fatal("a deletion did not make room")
	}
}

// stillWebP is a plain lossy WebP file of size bytes: one still picture.
func stillWebP(size int) []byte {
	b := make([]byte, size)
	copy(b, "RIFF\x00\x00\x00\x00WEBPVP8 ")
	return b
}
