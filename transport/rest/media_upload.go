package rest

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/transport/graph"
	"github.com/switchboard/switchboard/transport/httpx"
)

// POST /media: a file for send-media (an agent's attachment), uploaded to Meta from the
// tenant's number (POST /{phone-number-id}/media); the answer is Meta's media id (valid 30
// days), which send-media takes as mediaId. The file is checked as Meta checks it — one of
// the MIME types WhatsApp sends, within Meta's size for its kind — so a refusal costs no call
// to Meta; the body is bounded by MEDIA_UPLOAD_LIMIT before it is read (HeaderReceived).
// Nothing is kept by the engine: Meta holds the file.

// MediaUploadPath is the upload route, whose body limit is MEDIA_UPLOAD_LIMIT.
const MediaUploadPath = "/api/v1/media"

// mediaUploadTimeout bounds the Graph upload: a 16 MiB file at a few MB/s, with margin.
const mediaUploadTimeout = 60 * time.Second

// maxUploadsInFlight bounds the uploads a node holds in memory on their way to Meta (each
// holds its file a few times over: the body, the parsed form, the Graph request); beyond
// it the answer is 503 with Retry-After.
const maxUploadsInFlight = 16

type mediaView struct {
	ID       string `json:"id"`
	Type     string `json:"type"` // the send-media type it goes out as
	MIMEType string `json:"mimeType"`
	Size     int64  `json:"size"`
	Filename string `json:"filename,omitempty"`
}

func (s *Server) uploadMedia(ctx *fasthttp.RequestCtx, _ context.Context) {
	tenantID, err := scopedTenant(ctx)
	if err != nil {
		s.fail(ctx, err)
		return
	}
	if ct, _, _ := mime.ParseMediaType(string(ctx.Request.Header.ContentType())); ct != "multipart/form-data" {
		s.fail(ctx, httpx.NewError(http.StatusUnsupportedMediaType, httpx.CodeUnsupportedMedia,
			"Send the file as multipart/form-data, in a part named file"))
		return
	}
	up, err := readUpload(ctx)
	if err != nil {
		s.fail(ctx, err)
		return
	}
	if s.opts.UploadMedia == nil {
		s.fail(ctx, &actors.SendRefusedError{Code: actors.FailureNotConfigured, Reason: "this node has no Graph API client and cannot upload"})
		return
	}
	select {
	case s.uploads <- struct{}{}:
		defer func() { <-s.uploads }()
	default:
		e := httpx.NewError(http.StatusServiceUnavailable, httpx.CodeUnavailable,
			fmt.Sprintf("%d uploads are on their way to Meta from this node; retry shortly", maxUploadsInFlight))
		e.RetryAfterSeconds = 1
		s.fail(ctx, e)
		return
	}
	c, cancel := context.WithTimeout(context.Background(), mediaUploadTimeout)
	defer cancel()
	id, err := s.opts.UploadMedia(c, tenantID, up)
	if err != nil {
		s.fail(ctx, metaRefused(err, httpx.CodeMediaRejected, "the file"))
		return
	}
	kind, _ := graph.MediaKindOf(up.MIMEType)
	httpx.OK(ctx, http.StatusCreated, "Media uploaded", map[string]any{"media": mediaView{
		ID: id, Type: kind.Type, MIMEType: up.MIMEType, Size: int64(len(up.Data)), Filename: up.Filename}})
}

// readUpload takes the form's one file part and its type: the type field, else the part's
// Content-Type, else what the bytes say (as a browser's form may send
// application/octet-stream: sniffMediaType). A declared type the bytes clearly contradict is
// a 400 media_type_mismatch (typeMismatch). A path in the part's file name is reduced to its
// last element by the multipart reader.
func readUpload(ctx *fasthttp.RequestCtx) (graph.MediaUpload, error) {
	if err := httpx.RefuseCompressedBody(ctx); err != nil {
		return graph.MediaUpload{}, err
	}
	form, err := ctx.MultipartForm()
	if err != nil {
		return graph.MediaUpload{}, fileInvalid("the body is not a readable multipart form: " + err.Error())
	}
	files := form.File["file"]
	if len(files) != 1 {
		return graph.MediaUpload{}, fileInvalid("is required: exactly one part named file")
	}
	fh := files[0]
	var details []httpx.Detail
	if !filenameOK(fh.Filename) {
		details = append(details, httpx.Detail{Field: "file", Message: "the file name " + filenameRule})
	}
	f, err := fh.Open()
	if err != nil {
		return graph.MediaUpload{}, fileInvalid("cannot be read: " + err.Error())
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return graph.MediaUpload{}, fileInvalid("cannot be read: " + err.Error())
	}
	typ := ""
	if v := form.Value["type"]; len(v) > 0 {
		typ = v[0]
	}
	if typ == "" {
		typ = fh.Header.Get("Content-Type")
	}
	declared := true
	if base, _, _ := mime.ParseMediaType(typ); base == "" || base == "application/octet-stream" {
		typ, declared = sniffMediaType(data), false
	}
	if base, _, err := mime.ParseMediaType(typ); err == nil {
		typ = base // Meta documents the type parameter as the bare MIME type
	}
	kind, ok := graph.MediaKindOf(typ)
	if ok && declared && len(details) == 0 && len(data) > 0 {
		if err := typeMismatch(typ, data); err != nil {
			return graph.MediaUpload{}, err
		}
	}
	switch {
	case !ok:
		details = append(details, httpx.Detail{Field: "type", Message: fmt.Sprintf("%s is not a type WhatsApp sends (%s)", typ, strings.Join(graph.MediaMIMETypes(), ", "))})
	case len(data) == 0:
		details = append(details, httpx.Detail{Field: "file", Message: "is empty"})
	case len(data) > kind.MaxBytesOf(data):
		details = append(details, httpx.Detail{Field: "file", Message: fmt.Sprintf("is %d bytes; Meta takes at most %d for %s", len(data), kind.MaxBytesOf(data), kindName(kind, data))})
	}
	up := graph.MediaUpload{Filename: fh.Filename, MIMEType: typ, Data: data}
	if len(details) > 0 {
		return up, httpx.Validation(details...)
	}
	return up, nil
}

func fileInvalid(msg string) error {
	return httpx.Validation(httpx.Detail{Field: "file", Message: msg})
}

// kindName names a kind as its size limit applies: a sticker is a still or an animated one.
func kindName(k graph.MediaKind, data []byte) string {
	if k.Type == graph.TypeSticker && k.MaxBytesOf(data) < k.MaxBytes {
		return "a still sticker"
	}
	return k.Type
}
