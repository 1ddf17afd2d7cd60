package rest

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/graph"
	"github.com/switchboard/switchboard/transport/httpx"
)

// Meta's limits on a media message beside graph's caption rules (WHATSAPP.md §3): a
// document's file name; Meta fetches a link itself, so it must be an absolute http(s) URL it
// can reach; an uploaded media id is Meta's number.
const (
	maxFilename = 240
	maxMediaURL = 2048
	maxMediaID  = 64
)

type sendMediaRequest struct {
	sendOptions
	ConversationID string `json:"conversationId"`
	Type           string `json:"type"`
	Link           string `json:"link"`
	MediaID        string `json:"mediaId"`
	Caption        string `json:"caption"`
	Filename       string `json:"filename"`
	ReplyTo        string `json:"replyTo"`
}

// filenameOK: a file name Meta shows as it is, no path, within maxFilename characters.
func filenameOK(name string) bool {
	return utf8.RuneCountInString(name) <= maxFilename && !strings.ContainsAny(name, "/\\\x00")
}

var filenameRule = fmt.Sprintf("must be a file name (no path) of at most %d characters", maxFilename)

// mediaBuilders are the media types a send may carry.
var mediaBuilders = map[string]func(*graph.SendRequest, graph.MediaObject) *graph.SendRequest{
	graph.TypeImage:    (*graph.SendRequest).WithImage,
	graph.TypeVideo:    (*graph.SendRequest).WithVideo,
	graph.TypeAudio:    (*graph.SendRequest).WithAudio,
	graph.TypeDocument: (*graph.SendRequest).WithDocument,
	graph.TypeSticker:  (*graph.SendRequest).WithSticker,
}

// sendMedia is POST /messages/send-media: an image, video, audio, document or sticker by a
// link Meta fetches (as Twilio's MediaUrl) or by the id of media uploaded to Meta. Like text,
// it is free-form: only inside the customer's 24-hour window.
func (s *Server) sendMedia(ctx *fasthttp.RequestCtx, c context.Context) {
	var req sendMediaRequest
	if err := httpx.DecodeJSON(ctx, &req); err != nil {
		s.fail(ctx, err)
		return
	}
	details := append(conversationIDDetail(req.ConversationID), mediaDetails(req)...)
	s.sendFreeForm(ctx, c, details, req.ConversationID, req.sendOptions, req.ReplyTo, func(sr *graph.SendRequest) *graph.SendRequest {
		return mediaBuilders[req.Type](sr, graph.MediaObject{ID: req.MediaID, Link: req.Link, Caption: req.Caption, Filename: req.Filename})
	})
}

func mediaDetails(req sendMediaRequest) []httpx.Detail {
	var details []httpx.Detail
	bad := func(field, msg string) { details = append(details, httpx.Detail{Field: field, Message: msg}) }
	_, ok := mediaBuilders[req.Type]
	if !ok {
		bad("type", "must be one of image, video, audio, document, sticker")
	}
	details = append(details, mediaSourceDetails(req.Link, req.MediaID, "link", "mediaId")...)
	if req.Caption != "" {
		switch {
		case ok && !graph.CaptionAllowed(req.Type):
			bad("caption", "is not allowed on "+req.Type)
		case utf8.RuneCountInString(req.Caption) > graph.MaxCaption:
			bad("caption", fmt.Sprintf("must be at most %d characters", graph.MaxCaption))
		}
	}
	if req.Filename != "" {
		switch {
		case ok && !graph.FilenameAllowed(req.Type):
			bad("filename", "is only allowed on documents")
		case !filenameOK(req.Filename):
			bad("filename", filenameRule)
		}
	}
	return details
}

// mediaSourceDetails checks how a send names its media, as send-media and an interactive
// header both do: by a link Meta fetches (an absolute http(s) URL of at most maxMediaURL
// characters) or by the id Meta gave uploaded media (its number), one of the two.
// linkField and idField are the members' names in the request.
func mediaSourceDetails(link, id, linkField, idField string) []httpx.Detail {
	switch {
	case link == "" && id == "":
		return []httpx.Detail{{Field: linkField, Message: "a link or a media id is required"}}
	case link != "" && id != "":
		return []httpx.Detail{{Field: idField, Message: "give a link or a media id, not both"}}
	case link != "":
		if u, err := url.Parse(link); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(link) > maxMediaURL {
			return []httpx.Detail{{Field: linkField, Message: fmt.Sprintf("must be an absolute http(s) URL Meta can fetch, at most %d characters", maxMediaURL)}}
		}
	default:
		if len(id) > maxMediaID || strings.Trim(id, "0123456789") != "" {
			return []httpx.Detail{{Field: idField, Message: "must be the numeric id Meta gave the uploaded media"}}
		}
	}
	return nil
}
