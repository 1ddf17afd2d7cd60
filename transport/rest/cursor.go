package rest

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/transport/httpx"
)

// ?before= is a cursor: the pagination's nextBefore of the page shown last. Pages then count
// from the cursor, so what arrives or moves to the top between two requests neither repeats
// nor hides an item (page numbers alone count from the newest, and shift).

// messageCursor reads a message list's ?before=: a position in the conversation (how many
// messages are older than the first one shown). nil when absent.
func messageCursor(ctx *fasthttp.RequestCtx) (*int, *httpx.Detail) {
	v := ctx.QueryArgs().Peek("before")
	if v == nil {
		return nil, nil
	}
	n, err := fasthttp.ParseUint(v)
	if err != nil {
		return nil, &httpx.Detail{Field: "before", Message: "must be the nextBefore of an earlier page (a whole number ≥ 0)"}
	}
	return &n, nil
}

// nextMessageCursor is the cursor of the page older than p: the position of its first message.
func nextMessageCursor(p *actors.MessagePage) string {
	if len(p.Messages) == 0 || p.From == 0 {
		return ""
	}
	return strconv.Itoa(p.From)
}

// inboxCursor reads a conversation list's ?before=: an opaque encoding of the last listed
// conversation's place in the inbox order (its last activity and id). nil when absent.
func inboxCursor(ctx *fasthttp.RequestCtx) (*actors.InboxCursor, *httpx.Detail) {
	v := ctx.QueryArgs().Peek("before")
	if v == nil {
		return nil, nil
	}
	bad := &httpx.Detail{Field: "before", Message: "must be the nextBefore of an earlier page"}
	raw, err := base64.RawURLEncoding.DecodeString(string(v))
	if err != nil {
		return nil, bad
	}
	at, id, ok := strings.Cut(string(raw), " ")
	if !ok {
		return nil, bad
	}
	t, err := time.Parse(time.RFC3339Nano, at)
	if _, _, valid := actors.ParseConversationID(id); err != nil || !valid {
		return nil, bad
	}
	return &actors.InboxCursor{LastActivityAt: t, ID: id}, nil
}

// encodeInboxCursor is the nextBefore naming s's place in the inbox order.
func encodeInboxCursor(s *actors.ConversationSummary) string {
	c := actors.CursorOf(s)
	return base64.RawURLEncoding.EncodeToString([]byte(c.LastActivityAt.UTC().Format(time.RFC3339Nano) + " " + c.ID))
}
