package engine

import (
	"context"
	"errors"
	"strings"
	"time"

	json "github.com/goccy/go-json"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/transport/graph"
)

// metaPort adapts the Graph API client to actors.Graph: it sends the outbox's request
// bytes and turns graph's typed errors into the domain's SendFailure, keeping Meta's error
// table (graph.APIError.Class, graph.Backoff) in one place.
type metaPort struct{ client *graph.Client }

// Send sends one stored request. The stored bytes go out as they are (the API built them
// with graph's own types), checked only for being JSON; and the sender never cancels a send
// before its deadline, so the call runs on the deadline alone (graph.DeadlineOnly), without a
// goroutine watching it.
func (p metaPort) Send(ctx context.Context, token, phoneNumberID string, request []byte) (actors.Accepted, error) {
	if !json.Valid(request) {
		return actors.Accepted{}, &actors.SendFailure{Class: actors.ClassFail, Title: "stored request is not a Graph send body", Details: "not JSON", Reason: actors.ReasonInvalidRequest}
	}
	resp, err := p.client.SendMessageRaw(graph.DeadlineOnly(ctx), token, phoneNumberID, request)
	if err != nil {
		return actors.Accepted{}, sendFailure(err)
	}
	a := actors.Accepted{WAMID: resp.WAMID()}
	if len(resp.Contacts) > 0 {
		a.WaID = resp.Contacts[0].WaID
	}
	return a, nil
}

// sendFailure classifies a SendMessage error.
func sendFailure(err error) *actors.SendFailure {
	f := &actors.SendFailure{Backoff: func(attempt int) time.Duration { return graph.Backoff(err, attempt) }}
	var apiErr *graph.APIError
	switch {
	case errors.As(err, &apiErr):
		f.Class, f.Code, f.Title, f.Details = classOf(apiErr.Class()), apiErr.Code, errorTitle(apiErr), apiErr.Details
		f.MaybeSent = graph.IsMaybeSent(err) // a 5xx without Graph's envelope: a proxy may have passed it on
		f.Unavailable = apiErr.TakesNoMessage()
		f.AccessLost = apiErr.LostAccess()
		f.Reason = actors.ReasonMeta
		if !apiErr.Parsed {
			f.Reason = actors.ReasonHTTPError // a proxy's or an edge's answer, not Meta's
		}
	case errors.Is(err, graph.ErrTransport):
		f.Class, f.Title, f.MaybeSent = actors.ClassRetryTransient, err.Error(), graph.IsMaybeSent(err)
		f.Unreached = !f.MaybeSent // the connection was never made: Meta saw nothing
		if f.Unreached {
			f.Reason = actors.ReasonUnreachable
		}
	default:
		// A 2xx that did not decode, or carried no wamid (graph.ErrIncompleteAnswer): the
		// message may have gone out, and reconciliation (our id in a status webhook) tells.
		f.Class, f.Title, f.MaybeSent = actors.ClassRetryTransient, err.Error(), true
	}
	return f
}

func classOf(c graph.ErrorClass) actors.FailureClass {
	switch c {
	case graph.RetryThroughput:
		return actors.ClassRetryThroughput
	case graph.RetryPair:
		return actors.ClassRetryPair
	case graph.RetryTransient:
		return actors.ClassRetryTransient
	case graph.PauseTenant:
		return actors.ClassPauseTenant
	case graph.Reauth:
		return actors.ClassReauth
	case graph.FailTemplate:
		return actors.ClassFailTemplate
	}
	return actors.ClassFail
}

// errorTitle is Meta's title without the "(#code) " prefix its messages carry.
func errorTitle(e *graph.APIError) string {
	t := e.Message
	if strings.HasPrefix(t, "(#") {
		if _, rest, ok := strings.Cut(t, ") "); ok {
			t = rest
		}
	}
	if t == "" && !e.Parsed {
		return "HTTP " + itoa(e.HTTPStatus) + " without a Graph error body"
	}
	return t
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
