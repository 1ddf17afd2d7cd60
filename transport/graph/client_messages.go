package graph

import (
	"context"
	"net/url"
)

// SendMessage posts req as phoneNumberID with the tenant's token. Success means accepted,
// not delivered. On *TransportError with MaybeSent the message may have gone out: reconcile
// before resending (see TransportError); so may it after a 2xx without a wamid
// (ErrIncompleteAnswer) or one that does not decode.
func (c *Client) SendMessage(ctx context.Context, token, phoneNumberID string, req *SendRequest) (*SendResponse, error) {
	return c.send(ctx, token, phoneNumberID, req)
}

// SendMessageRaw sends a message whose body is already encoded — the outbox keeps the
// request built when the API accepted the message — as it is: no decode and re-encode per
// send. body must be a JSON Graph send body (the caller validated it when it built it).
func (c *Client) SendMessageRaw(ctx context.Context, token, phoneNumberID string, body []byte) (*SendResponse, error) {
	return c.send(ctx, token, phoneNumberID, rawBody(body))
}

// send posts body (a *SendRequest, or rawBody) to the number's messages edge.
func (c *Client) send(ctx context.Context, token, phoneNumberID string, body any) (*SendResponse, error) {
	var out SendResponse
	k := call{method: "POST", path: url.PathEscape(phoneNumberID) + "/messages", token: token, body: body, out: &out}
	if err := c.do(ctx, k); err != nil {
		return nil, err
	}
	if out.WAMID() == "" {
		// Meta answers every send it accepts with its wamid: this 2xx may not be Meta's, and
		// says nothing of whether the message went out.
		return nil, incomplete(k.op(), "messages[0].id")
	}
	return &out, nil
}

// MarkRead marks the inbound message wamid (and earlier ones of the thread) read; with
// typing it also shows the typing indicator. Safe to retry: it is idempotent at Meta.
func (c *Client) MarkRead(ctx context.Context, token, phoneNumberID, wamid string, typing bool) error {
	return c.success(ctx, call{method: "POST", path: url.PathEscape(phoneNumberID) + "/messages", token: token, body: NewMarkRead(wamid, typing)})
}

// success runs k expecting {"success":true}.
func (c *Client) success(ctx context.Context, k call) error {
	var out SuccessResponse
	k.out = &out
	if err := c.do(ctx, k); err != nil {
		return err
	}
	if !out.Success {
		return &APIError{HTTPStatus: 200, Parsed: true, Message: k.op() + " answered success=false"}
	}
	return nil
}
