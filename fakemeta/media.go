package fakemeta

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"mime"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/graph"
	"github.com/switchboard/switchboard/transport/httpx"
)

// maxUploadBody bounds what fakemeta reads of a media upload: Meta's largest file (a
// 100 MB document) and the form around it. Every other request keeps MaxRequestBodySize.
const maxUploadBody = 101 << 20

// uploaded is a file a number uploaded: what GET /{media_id} describes (media_node.go).
type uploaded struct {
	phoneNumberID string
	mimeType      string
	size          int64
	sha256        string
	filename      string
	content       []byte // nil when not kept (Config.MaxKeptMedia)
}

// Upload is what fakemeta keeps of an uploaded file, for tests.
type Upload struct {
	ID, PhoneNumberID, MIMEType, SHA256, Filename string
	Size                                          int64
}

// uploadMedia is POST /{phone_number_id}/media: Meta's multipart form of
// messaging_product (whatsapp), type (the file's MIME type) and file, checked as Meta
// checks them: a type Meta does not send, a file that is not of that type, or one larger
// than Meta takes of it is error 131053; a missing or wrong form field is error 100.
func (s *Server) uploadMedia(ctx *fasthttp.RequestCtx) {
	id := pathID(ctx)
	n := s.number(id)
	var wabaID string
	if n != nil {
		wabaID = n.wabaID
	}
	if e := s.authorize(bearer(ctx), "post", id, wabaID); e != nil {
		writeError(ctx, e)
		return
	}
	// fasthttp's form reader inflates a compressed body with no bound (a few KiB on the wire
	// become gigabytes in memory): a stand-in listening for tests must not be that easy to
	// take down, so such a body is refused unread.
	if ce := httpx.BodyCoding(&ctx.Request.Header); ce != nil {
		writeError(ctx, invalidParam("The request body must not be compressed (Content-Encoding %s).", ce))
		return
	}
	form, err := ctx.MultipartForm()
	if err != nil {
		writeError(ctx, invalidParam("The request must be multipart/form-data with messaging_product, type and file: %v", err))
		return
	}
	if v := form.Value["messaging_product"]; len(v) != 1 || v[0] != "whatsapp" {
		writeError(ctx, invalidParam("The parameter messaging_product is required and must be whatsapp."))
		return
	}
	types := form.Value["type"]
	if len(types) != 1 || types[0] == "" {
		writeError(ctx, invalidParam("The parameter type is required."))
		return
	}
	files := form.File["file"]
	if len(files) != 1 {
		writeError(ctx, invalidParam("The parameter file is required."))
		return
	}
	fh, typ := files[0], types[0]
	kind, ok := graph.MediaKindOf(typ)
	if !ok {
		writeError(ctx, apiError(131053, fmt.Sprintf("Param file must be a file with one of the supported types; %s is not one.", typ)))
		return
	}
	if declared := fh.Header.Get("Content-Type"); declared != "" && !sameMediaType(declared, typ) {
		writeError(ctx, apiError(131053, fmt.Sprintf("The file's type %s does not match the type parameter %s.", declared, typ)))
		return
	}
	f, err := fh.Open()
	if err != nil {
		writeError(ctx, apiError(131053, "The file could not be read."))
		return
	}
	defer f.Close()
	// The first bytes tell a still sticker (100 KB) from an animated one (500 KB).
	head := make([]byte, 32)
	read, _ := f.ReadAt(head, 0)
	if limit := kind.MaxBytesOf(head[:read]); fh.Size > int64(limit) {
		writeError(ctx, apiError(131053, fmt.Sprintf("%s files may be at most %d bytes; this one is %d.", kind.Type, limit, fh.Size)))
		return
	}
	// The bytes are kept for download while they fit Config.MaxKeptMedia; a file that does not is
	// only hashed, never held whole.
	h := sha256.New()
	w := io.Writer(h)
	var kept *bytes.Buffer
	if s.roomFor(fh.Size) {
		kept = bytes.NewBuffer(make([]byte, 0, fh.Size))
		w = io.MultiWriter(h, kept)
	}
	size, err := io.Copy(w, f)
	if err != nil {
		writeError(ctx, apiError(131053, "The file could not be read."))
		return
	}
	u := uploaded{phoneNumberID: id, mimeType: typ, size: size, sha256: base64.StdEncoding.EncodeToString(h.Sum(nil)), filename: fh.Filename}
	mediaID := s.newMediaID()
	s.mu.Lock()
	if kept != nil {
		u.content = s.keep(kept.Bytes())
	}
	s.media[mediaID] = u
	s.mu.Unlock()
	n.mu.Lock()
	n.stats.uploads++
	n.mu.Unlock()
	writeJSON(ctx, 200, graph.MediaUploadResponse{ID: mediaID})
}

// Uploaded returns a file a number uploaded, by media id.
func (s *Server) Uploaded(mediaID string) (Upload, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, ok := s.media[mediaID]
	return Upload{ID: mediaID, PhoneNumberID: u.phoneNumberID, MIMEType: u.mimeType, SHA256: u.sha256, Filename: u.filename, Size: u.size}, ok
}

// newMediaID makes a numeric id like Meta's media ids.
func (s *Server) newMediaID() string {
	return fmt.Sprintf("%d", 7_000_000_000_000_000+s.wamidSeq.Add(1))
}

// sameMediaType compares two MIME types without their parameters.
func sameMediaType(a, b string) bool {
	x, _, errA := mime.ParseMediaType(a)
	y, _, errB := mime.ParseMediaType(b)
	return errA == nil && errB == nil && x == y
}

// bodyLimit gives media uploads room for Meta's largest file; everything else keeps the
// server's limit.
func bodyLimit(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
	uri := h.RequestURI()
	if i := bytes.IndexByte(uri, '?'); i >= 0 {
		uri = uri[:i]
	}
	if h.IsPost() && bytes.HasSuffix(uri, []byte("/media")) {
		return fasthttp.RequestConfig{MaxRequestBodySize: maxUploadBody}
	}
	return fasthttp.RequestConfig{}
}
