package graph

import (
	"bytes"
	"context"
	"fmt"
	"mime"
	"mime/multipart"
	"net/textproto"
	"net/url"
	"slices"
)

// Meta's media rules for uploads (WHATSAPP.md §3, MEDIA): the MIME types each message type
// accepts and the largest file of each. fakemeta refuses what Meta refuses, and the engine
// refuses it before Meta is asked.

// MediaKind is what a MIME type is sent as, and the largest file Meta takes of it.
type MediaKind struct {
	Type     string // TypeImage, TypeVideo, TypeAudio, TypeDocument or TypeSticker
	MaxBytes int
}

const mib = 1 << 20

var mediaKinds = map[string]MediaKind{
	"image/jpeg":                    {TypeImage, 5 * mib},
	"image/png":                     {TypeImage, 5 * mib},
	"image/webp":                    {TypeSticker, maxAnimatedSticker}, // a static one: maxStaticSticker (MaxBytesOf)
	"video/mp4":                     {TypeVideo, 16 * mib},
	"video/3gpp":                    {TypeVideo, 16 * mib},
	"audio/aac":                     {TypeAudio, 16 * mib},
	"audio/amr":                     {TypeAudio, 16 * mib},
	"audio/mpeg":                    {TypeAudio, 16 * mib},
	"audio/mp4":                     {TypeAudio, 16 * mib},
	"audio/ogg":                     {TypeAudio, 16 * mib}, // opus, mono
	"text/plain":                    {TypeDocument, 100 * mib},
	"application/pdf":               {TypeDocument, 100 * mib},
	"application/msword":            {TypeDocument, 100 * mib},
	"application/vnd.ms-excel":      {TypeDocument, 100 * mib},
	"application/vnd.ms-powerpoint": {TypeDocument, 100 * mib},
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   {TypeDocument, 100 * mib},
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         {TypeDocument, 100 * mib},
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": {TypeDocument, 100 * mib},
}

// Meta's stickers: 100 KB static, 500 KB animated (WHATSAPP.md §3).
const (
	maxStaticSticker   = 100 << 10
	maxAnimatedSticker = 500 << 10
)

// MaxBytesOf is the largest file of this kind Meta takes when the file starts with head (its
// first 21 bytes or more): MaxBytes, but for a sticker that is not animated, 100 KB.
func (k MediaKind) MaxBytesOf(head []byte) int {
	if k.Type == TypeSticker && !animatedWebP(head) {
		return maxStaticSticker
	}
	return k.MaxBytes
}

// animatedWebP reports whether a WebP file is animated: only the extended format ("VP8X"
// as the first chunk of the RIFF "WEBP" container) carries the animation flag (bit 1 of the
// byte after the chunk's size). A plain "VP8 " or "VP8L" file is one still picture.
func animatedWebP(head []byte) bool {
	return len(head) > 20 && string(head[0:4]) == "RIFF" && string(head[8:12]) == "WEBP" &&
		string(head[12:16]) == "VP8X" && head[20]&0x02 != 0
}

// MediaKindOf reads a MIME type (parameters such as "; codecs=opus" aside) as Meta does.
func MediaKindOf(mimeType string) (MediaKind, bool) {
	base, _, err := mime.ParseMediaType(mimeType)
	if err != nil {
		return MediaKind{}, false
	}
	k, ok := mediaKinds[base]
	return k, ok
}

// MediaMIMETypes lists the MIME types Meta sends, sorted.
func MediaMIMETypes() []string {
	out := make([]string, 0, len(mediaKinds))
	for t := range mediaKinds {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// MediaUpload is a file for POST /{phone_number_id}/media.
type MediaUpload struct {
	Filename string
	MIMEType string
	Data     []byte
}

// UploadMedia uploads a file the number may then send by id (valid 30 days): Meta's
// multipart form of messaging_product, type (the MIME type) and file.
func (c *Client) UploadMedia(ctx context.Context, token, phoneNumberID string, m MediaUpload) (*MediaUploadResponse, error) {
	body, contentType, err := mediaForm(m)
	if err != nil {
		return nil, fmt.Errorf("graph: media upload form: %w", err)
	}
	var out MediaUploadResponse
	k := call{method: "POST", path: url.PathEscape(phoneNumberID) + "/media", token: token, body: formBody{contentType: contentType, data: body}, out: &out}
	if err := c.do(ctx, k); err != nil {
		return nil, err
	}
	if out.ID == "" {
		return nil, incomplete(k.op(), "id")
	}
	return &out, nil
}

// mediaForm encodes m as Meta's upload form.
func mediaForm(m MediaUpload) ([]byte, string, error) {
	var buf bytes.Buffer
	buf.Grow(len(m.Data) + 512)
	w := multipart.NewWriter(&buf)
	if err := w.WriteField("messaging_product", "whatsapp"); err != nil {
		return nil, "", err
	}
	if err := w.WriteField("type", m.MIMEType); err != nil {
		return nil, "", err
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", mime.FormatMediaType("form-data", map[string]string{"name": "file", "filename": m.Filename}))
	h.Set("Content-Type", m.MIMEType)
	part, err := w.CreatePart(h)
	if err != nil {
		return nil, "", err
	}
	if _, err := part.Write(m.Data); err != nil {
		return nil, "", err
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}

// formBody is a request body encoded already, with its own content type (a multipart form).
type formBody struct {
	contentType string
	data        []byte
}
