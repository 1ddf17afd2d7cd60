package httpx

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	json "github.com/goccy/go-json"
	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/persistence"
)

// Pagination is the "pagination" member of list answers (API.md).
type Pagination struct {
	Total   int  `json:"total"`
	Page    int  `json:"page"`
	Limit   int  `json:"limit"`
	Pages   int  `json:"pages"`
	HasNext bool `json:"hasNext"`
	HasPrev bool `json:"hasPrev"`
	// NextBefore is the cursor of the page after this one, for lists that take ?before=
	// (API.md: "cursor parameters may be added"): unlike page numbers, it does not shift when
	// items arrive or move between two requests. Absent on the last page.
	NextBefore string `json:"nextBefore,omitempty"`
}

// NewPagination computes the pagination member for total rows seen through p.
func NewPagination(total int, p persistence.Page) Pagination {
	pages := 0
	if p.Limit > 0 {
		pages = (total + p.Limit - 1) / p.Limit
	}
	return Pagination{
		Total: total, Page: p.Page, Limit: p.Limit, Pages: pages,
		HasNext: p.Page < pages, HasPrev: p.Page > 1,
	}
}

// successBody and errorBody always carry every member API.md's envelope names (message,
// details), empty or not: clients of the platform this replaces read them unguarded
// (`res.message`, `err.error.details.map(...)`).
type successBody struct {
	Success    bool        `json:"success"`
	Message    string      `json:"message"`
	Data       any         `json:"data"`
	Pagination *Pagination `json:"pagination,omitempty"`
}

type errorBody struct {
	Success bool      `json:"success"`
	Message string    `json:"message"`
	Error   errorInfo `json:"error"`
}

type errorInfo struct {
	Code      string   `json:"code"`
	Details   []Detail `json:"details"`
	RequestID string   `json:"requestId,omitempty"`
}

// OK writes a success envelope with status.
func OK(ctx *fasthttp.RequestCtx, status int, message string, data any) {
	writeJSON(ctx, status, successBody{Success: true, Message: message, Data: data})
}

// List writes a list envelope with pagination.
func List(ctx *fasthttp.RequestCtx, message string, data any, p Pagination) {
	writeJSON(ctx, http.StatusOK, successBody{Success: true, Message: message, Data: data, Pagination: &p})
}

// Fail writes err as an error envelope. An *Error is written as it is; persistence's
// ErrUnavailable becomes 503 (so Meta and clients retry); anything else is a bug, logged with
// the request id, and answered 500 without its text.
func Fail(ctx *fasthttp.RequestCtx, err error) {
	e, ok := AsError(err)
	switch {
	case ok:
	case errors.Is(err, persistence.ErrUnavailable):
		e = NewError(http.StatusServiceUnavailable, CodeUnavailable, "The store is unavailable; retry shortly")
		e.RetryAfterSeconds = 1
	default:
		slog.Error("request failed", "request_id", RequestID(ctx), "method", string(ctx.Method()),
			"path", string(ctx.Path()), "err", err)
		e = NewError(http.StatusInternalServerError, CodeInternal, "Internal server error")
	}
	if e.RetryAfterSeconds > 0 {
		ctx.Response.Header.Set("Retry-After", strconv.Itoa(e.RetryAfterSeconds))
	}
	details := e.Details
	if details == nil {
		details = []Detail{}
	}
	writeJSON(ctx, e.Status, errorBody{
		Message: e.Message,
		Error:   errorInfo{Code: e.Code, Details: details, RequestID: RequestID(ctx)},
	})
}

func writeJSON(ctx *fasthttp.RequestCtx, status int, body any) {
	b, err := json.Marshal(body)
	if err != nil {
		// Only a handler bug (an unencodable value) gets here; say so without recursion.
		slog.Error("encode response", "request_id", RequestID(ctx), "err", err)
		status = http.StatusInternalServerError
		b = []byte(`{"success":false,"message":"Internal server error","error":{"code":"internal_error","details":[]}}`)
	}
	ctx.SetStatusCode(status)
	ctx.SetContentType("application/json; charset=utf-8")
	ctx.SetBody(b)
}

const requestIDKey = "switchboard.request_id"

// SetRequestID stores the request id the edge assigned (middleware does this first).
func SetRequestID(ctx *fasthttp.RequestCtx, id string) { ctx.SetUserValue(requestIDKey, id) }

// RequestID returns the id of the request, or "" before the middleware ran.
func RequestID(ctx *fasthttp.RequestCtx) string {
	id, _ := ctx.UserValue(requestIDKey).(string)
	return id
}
