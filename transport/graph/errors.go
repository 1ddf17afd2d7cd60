package graph

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	json "github.com/goccy/go-json"
)

// ErrorEnvelope is Meta's error body: {"error":{…}}. fakemeta writes it and the client
// reads it, so both agree on every field name.
type ErrorEnvelope struct {
	Error ErrorBody `json:"error"`
}

// ErrorBody is the object inside an error envelope. Key on Code (+ ErrorData.Details):
// titles in Message ("(#code) Title") are being deprecated, ErrorSubcode officially too
// (it still appears, e.g. 190/463).
type ErrorBody struct {
	Message        string     `json:"message"`
	Type           string     `json:"type"`
	Code           int        `json:"code"`
	ErrorData      *ErrorData `json:"error_data,omitempty"`
	ErrorSubcode   int        `json:"error_subcode,omitempty"`
	IsTransient    bool       `json:"is_transient,omitempty"`
	ErrorUserTitle string     `json:"error_user_title,omitempty"`
	ErrorUserMsg   string     `json:"error_user_msg,omitempty"`
	FBTraceID      string     `json:"fbtrace_id,omitempty"`
}

// ErrorData carries the human details of a WhatsApp error.
type ErrorData struct {
	MessagingProduct string `json:"messaging_product,omitempty"`
	Details          string `json:"details,omitempty"`
}

// UnmarshalJSON reads error_data in every shape Graph sends it: an object, a string holding
// that object's JSON (generic Graph errors; Meta's own SDKs decode both), or plain text,
// kept as Details. A shape it cannot read leaves it empty instead of failing the envelope:
// the error's code, not its details, decides what the engine does.
func (d *ErrorData) UnmarshalJSON(b []byte) error {
	type plain ErrorData
	var text string
	if json.Unmarshal(b, &text) == nil {
		if json.Unmarshal([]byte(text), (*plain)(d)) != nil {
			*d = ErrorData{Details: text}
		}
		return nil
	}
	if json.Unmarshal(b, (*plain)(d)) != nil {
		*d = ErrorData{}
	}
	return nil
}

// APIError is an error answer of the Graph API. It is a definite answer: Meta received the
// request and did not act on it (unlike a TransportError, after which a send may or may not
// have gone out).
type APIError struct {
	HTTPStatus  int
	Code        int
	Subcode     int
	Type        string
	Message     string
	Details     string
	FBTraceID   string
	IsTransient bool
	UserTitle   string
	UserMessage string
	// Parsed is false when the body was not Meta's error envelope (a proxy's 502 page, an
	// empty body, an {"error":{…}} without a code): then only HTTPStatus is known and Code
	// is 0.
	Parsed bool
	// RegainAccessAfter is the largest estimated_time_to_regain_access of the
	// X-Business-Use-Case-Usage header (rate-limit errors 4/80007), at most a day, 0 when
	// absent.
	RegainAccessAfter int // minutes
}

// Error formats like Meta's own message, with the code and details the operator needs.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("graph: ")
	if !e.Parsed {
		fmt.Fprintf(&b, "HTTP %d without a Graph error body", e.HTTPStatus)
		return b.String()
	}
	fmt.Fprintf(&b, "error %d", e.Code)
	if e.Subcode != 0 {
		fmt.Fprintf(&b, "/%d", e.Subcode)
	}
	fmt.Fprintf(&b, " (HTTP %d): %s", e.HTTPStatus, e.Message)
	if e.Details != "" {
		b.WriteString(": ")
		b.WriteString(e.Details)
	}
	return b.String()
}

// ParseAPIError builds the APIError of a non-2xx answer. It never fails: a body that is
// not an error envelope yields an unparsed APIError classified by HTTP status alone.
func ParseAPIError(httpStatus int, body []byte) *APIError {
	e := &APIError{HTTPStatus: httpStatus}
	var env struct {
		Error *ErrorBody `json:"error"`
	}
	if err := json.Unmarshal(body, &env); err != nil || env.Error == nil || !hasCode(body) {
		return e
	}
	b := env.Error
	e.Parsed = true
	e.Code, e.Subcode, e.Type, e.Message = b.Code, b.ErrorSubcode, b.Type, b.Message
	e.FBTraceID, e.IsTransient = b.FBTraceID, b.IsTransient
	e.UserTitle, e.UserMessage = b.ErrorUserTitle, b.ErrorUserMsg
	if b.ErrorData != nil {
		e.Details = b.ErrorData.Details
	}
	return e
}

// hasCode reports whether an error envelope carries a numeric code, as Meta's always do (0
// included). One without is something between us and Graph wording its own error, and
// means no more than its HTTP status.
func hasCode(body []byte) bool {
	var probe struct {
		Error struct {
			Code *int `json:"code"`
		} `json:"error"`
	}
	return json.Unmarshal(body, &probe) == nil && probe.Error.Code != nil
}

// Envelope is the wire form of e (fakemeta and tests write errors with it).
func (e *APIError) Envelope() ErrorEnvelope {
	b := ErrorBody{
		Message: e.Message, Type: e.Type, Code: e.Code, ErrorSubcode: e.Subcode,
		IsTransient: e.IsTransient, ErrorUserTitle: e.UserTitle, ErrorUserMsg: e.UserMessage,
		FBTraceID: e.FBTraceID,
	}
	if e.Details != "" {
		b.ErrorData = &ErrorData{MessagingProduct: MessagingProduct, Details: e.Details}
	}
	return ErrorEnvelope{Error: b}
}

// regainAccessMinutes reads the X-Business-Use-Case-Usage header:
// {"<id>":[{"type":…,"estimated_time_to_regain_access":<minutes>}]} and returns the
// largest wait, at most maxRegainAccess, 0 when the header is absent or unreadable.
func regainAccessMinutes(header []byte) int {
	if len(header) == 0 {
		return 0
	}
	var usage map[string][]struct {
		Wait json.RawMessage `json:"estimated_time_to_regain_access"`
	}
	if json.Unmarshal(header, &usage) != nil {
		return 0
	}
	var most int
	for _, entries := range usage {
		for _, u := range entries {
			n, err := strconv.Atoi(strings.Trim(string(u.Wait), `"`))
			if err == nil && n > most {
				most = n
			}
		}
	}
	return min(most, int(maxRegainAccess/time.Minute))
}
