package fakemeta

import (
	"fmt"
	"net/url"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/graph"
)

// DefaultMaxKeptMedia bounds the bytes of uploaded files fakemeta keeps for download
// (Config.MaxKeptMedia). Uploads beyond it are still taken and described (GET /{media_id}),
// but their download is 404: fakemeta runs in tests and the bench, and must not grow
// without bound.
const DefaultMaxKeptMedia = 64 << 20

func (s *Server) maxKeptMedia() int {
	if s.cfg.MaxKeptMedia > 0 {
		return s.cfg.MaxKeptMedia
	}
	return DefaultMaxKeptMedia
}

// mediaDownloadPath is where GET /{media_id}'s url points, on fakemeta's own address (Meta's
// is lookaside.fbsbx.com); like Meta's, it needs the bearer token.
const mediaDownloadPath = "/_fakemeta/media/"

// mediaOf returns an uploaded file by media id.
func (s *Server) mediaOf(id string) (uploaded, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, ok := s.media[id]
	return u, ok
}

// authorizeMedia checks tok may use the media: granted for the WABA of the number that
// uploaded it, as Meta checks the token's business owns it.
func (s *Server) authorizeMedia(tok, method, id string, u uploaded) *graph.APIError {
	wabaID, _ := s.wabaOf(u.phoneNumberID)
	return s.authorize(tok, method, id, wabaID)
}

// mediaNode is GET /{media_id}: the file's type, size and SHA-256 and a download url. With
// phone_number_id, Meta also checks the media belongs to that number.
func (s *Server) mediaNode(ctx *fasthttp.RequestCtx, id string, u uploaded) {
	if e := s.authorizeMedia(bearer(ctx), "get", id, u); e != nil {
		writeError(ctx, e)
		return
	}
	if pn := string(ctx.QueryArgs().Peek("phone_number_id")); pn != "" && pn != u.phoneNumberID {
		writeError(ctx, invalidParam("Media %s does not belong to phone number %s.", id, pn))
		return
	}
	writeJSON(ctx, 200, graph.MediaURL{
		MessagingProduct: "whatsapp", URL: s.URL() + mediaDownloadPath + url.PathEscape(id),
		MimeType: u.mimeType, SHA256: u.sha256, FileSize: graph.FlexString(fmt.Sprint(u.size)), ID: id,
	})
}

// deleteNode is DELETE /{media_id}: the file is gone, for its url too. Any other object (or
// a media id deleted already) is Meta's "does not exist" error.
func (s *Server) deleteNode(ctx *fasthttp.RequestCtx) {
	id := pathID(ctx)
	u, ok := s.mediaOf(id)
	if !ok {
		// No object here to delete: the token's own error first, else "does not exist".
		writeError(ctx, s.authorize(bearer(ctx), "delete", id, ""))
		return
	}
	if e := s.authorizeMedia(bearer(ctx), "delete", id, u); e != nil {
		writeError(ctx, e)
		return
	}
	s.mu.Lock()
	s.mediaBytes -= len(s.media[id].content)
	delete(s.media, id)
	s.mu.Unlock()
	writeJSON(ctx, 200, map[string]bool{"success": true})
}

// mediaDownload serves an uploaded file's bytes to a bearer token that may use it.
func (s *Server) mediaDownload(ctx *fasthttp.RequestCtx) {
	id, _ := ctx.UserValue("id").(string)
	u, ok := s.mediaOf(id)
	tok := bearer(ctx)
	switch {
	case tok == "":
		ctx.SetStatusCode(fasthttp.StatusUnauthorized)
		return
	case !ok || u.content == nil:
		ctx.SetStatusCode(fasthttp.StatusNotFound)
		return
	case s.authorizeMedia(tok, "get", id, u) != nil:
		ctx.SetStatusCode(fasthttp.StatusForbidden)
		return
	}
	ctx.SetContentType(u.mimeType)
	ctx.SetBody(u.content)
}

// roomFor reports whether n more bytes of uploads may be kept (keep decides for good).
func (s *Server) roomFor(n int64) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return int64(s.mediaBytes)+n <= int64(s.maxKeptMedia())
}

// keep decides whether an upload's bytes are kept for download (Config.MaxKeptMedia); s.mu held.
func (s *Server) keep(content []byte) []byte {
	if s.mediaBytes+len(content) > s.maxKeptMedia() {
		return nil
	}
	s.mediaBytes += len(content)
	return content
}
