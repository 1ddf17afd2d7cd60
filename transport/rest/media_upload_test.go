package rest

import (
	"bytes"
	"mime/multipart"
	"net/textproto"
	"testing"

	"github.com/valyala/fasthttp"
)

// webp is a WebP file of size bytes: extended (VP8X) with the animation flag when animated,
// else a plain lossy one.
func webp(size int, animated bool) []byte {
	b := make([]byte, size)
	copy(b, "RIFF\x00\x00\x00\x00WEBPVP8 ")
	if animated {
		copy(b[12:], "VP8X\x0a\x00\x00\x00\x02")
	}
	return b
}

// A sticker is 100 KB at Meta when still and 500 KB when animated (WHATSAPP.md §3): a still
// one above 100 KB is refused before Meta is asked, not uploaded as a sticker that no send
// could then deliver.
func TestReadUploadStickerSizes(t *testing.T) {
	for _, c := range []struct {
		name string
		data []byte
		ok   bool
	}{
		{"still, 100 KB", webp(100<<10, false), true},
		{"still, 100 KB and a byte", webp(100<<10+1, false), false},
		{"still, 300 KB", webp(300<<10, false), false},
		{"animated, 300 KB", webp(300<<10, true), true},
		{"animated, 500 KB", webp(500<<10, true), true},
		{"animated, 500 KB and a byte", webp(500<<10+1, true), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var body bytes.Buffer
			w := multipart.NewWriter(&body)
			h := textproto.MIMEHeader{"Content-Disposition": {`form-data; name="file"; filename="s.webp"`}, "Content-Type": {"image/webp"}}
			p, err := w.CreatePart(h)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = p.Write(c.data)
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			var ctx fasthttp.RequestCtx
			ctx.Request.Header.SetMethod("POST")
			ctx.Request.Header.SetContentType(w.FormDataContentType())
			ctx.Request.SetBody(body.Bytes())
			up, details := readUpload(&ctx)
			switch {
			case c.ok && len(details) != 0:
				t.Fatalf("refused: %+v", details)
			case !c.ok && (len(details) != 1 || details[0].Field != "file"):
				t.Fatalf("%+v, want one detail on file", details)
			case up.MIMEType != "image/webp":
				t.Fatalf("type %q", up.MIMEType)
			}
		})
	}
}
