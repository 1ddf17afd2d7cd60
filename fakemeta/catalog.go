package fakemeta

import (
	"crypto/rand"
	"fmt"
	"net/http"

	"github.com/switchboard/switchboard/transport/graph"
)

// apiError is the Graph error for code with details (the catalogue's when empty). 190 is
// answered as Meta answers a token that has expired.
func apiError(code int, details string) *graph.APIError {
	if code == 190 {
		return tokenError(463)
	}
	title, def, status := errorText(code)
	if details == "" {
		details = def
	}
	return &graph.APIError{
		HTTPStatus: status, Code: code, Type: "OAuthException", Parsed: true,
		Message: fmt.Sprintf("(#%d) %s", code, title), Details: details, FBTraceID: traceID(),
		IsTransient: code == 4 || code == 80007 || code == 2,
	}
}

// invalidParam is error 100 naming the problem, as Meta words it.
func invalidParam(format string, args ...any) *graph.APIError {
	return apiError(100, fmt.Sprintf(format, args...))
}

// noSuchObject is Meta's answer for an id that does not exist or that the token may not
// touch: the two are deliberately indistinguishable.
func noSuchObject(method, id string) *graph.APIError {
	e := apiError(100, "")
	e.Subcode = 33
	e.Message = fmt.Sprintf("Unsupported %s request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation.", method, id)
	return e
}

// tokenError is 190 (HTTP 401): unknown, expired (463) or invalidated (460) token.
func tokenError(subcode int) *graph.APIError {
	msg := "Invalid OAuth access token - Cannot parse access token"
	switch subcode {
	case 463:
		msg = "Error validating access token: Session has expired."
	case 460:
		msg = "Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons."
	}
	return &graph.APIError{HTTPStatus: http.StatusUnauthorized, Code: 190, Subcode: subcode, Type: "OAuthException",
		Message: msg, FBTraceID: traceID(), Parsed: true}
}

// plainError is a Graph error without WhatsApp error_data (OAuth and routing errors).
func plainError(status, code, subcode int, msg string) *graph.APIError {
	return &graph.APIError{HTTPStatus: status, Code: code, Subcode: subcode, Type: "OAuthException",
		Message: msg, FBTraceID: traceID(), Parsed: true}
}

const traceAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// traceID looks like Meta's fbtrace_id (23 URL-safe characters).
func traceID() string {
	var b [23]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = traceAlphabet[int(b[i])%len(traceAlphabet)]
	}
	return string(b[:])
}
