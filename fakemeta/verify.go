package fakemeta

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"net/url"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/graph"
)

// verifyTimeout bounds the verification GET: Meta answers the POST that set the override
// only after the callback answered, so a hanging callback must not hang the POST.
const verifyTimeout = 10 * time.Second

// verifyCallback is the handshake Meta makes with a callback URL before it takes it
// (WHATSAPP.md §1.1): GET url?hub.mode=subscribe&hub.challenge=…&hub.verify_token=…, which
// passes only on HTTP 200 with the challenge echoed byte for byte. Anything else is
// "(#2200) Callback verification failed", what Meta answers the POST that set it.
func (w *webhookSender) verifyCallback(ctx context.Context, callback, verifyToken string) *graph.APIError {
	n, _ := rand.Int(rand.Reader, big.NewInt(1_000_000_000))
	challenge := n.String()
	u, err := url.Parse(callback)
	if err != nil {
		return verificationFailed(fmt.Sprintf("URL couldn't be parsed: %v", err))
	}
	q := u.Query()
	q.Set("hub.mode", "subscribe")
	q.Set("hub.challenge", challenge)
	q.Set("hub.verify_token", verifyToken)
	u.RawQuery = q.Encode()

	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI(u.String())
	req.Header.SetMethod(fasthttp.MethodGet)
	deadline := time.Now().Add(verifyTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := w.client.DoDeadline(req, resp, deadline); err != nil {
		return verificationFailed(fmt.Sprintf("URL couldn't be validated. Error: %v", err))
	}
	if resp.StatusCode() != fasthttp.StatusOK {
		return verificationFailed(fmt.Sprintf("HTTP Status Code = %d; HTTP Message = %s", resp.StatusCode(), fasthttp.StatusMessage(resp.StatusCode())))
	}
	if string(resp.Body()) != challenge {
		return verificationFailed("The URL couldn't be validated. Response does not match challenge, expected value=\"" + challenge + "\", received=\"" + truncate(string(resp.Body()), 64) + "\"")
	}
	return nil
}

func verificationFailed(why string) *graph.APIError {
	return plainError(400, 2200, 0, "(#2200) Callback verification failed with the following errors: "+why)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
