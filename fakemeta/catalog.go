package fakemeta

import (
	"crypto/rand"
	"fmt"
	"net/http"

	"github.com/switchboard/switchboard/transport/graph"
)

// errorText is Meta's title, default details and HTTP status for a code. Titles and
// details are those of the shared fixtures (graph/error_*.json); the status follows Meta's
// older table as WHATSAPP.md §2.2 gives it — 401 for 0/190, 403 for 10/200-299/368/131031/
// 131005, 404 for 132001, 500 for 3/131000/131016/131045/131057/133000, 503 for 2/133004,
// else 400 — which its servers still roughly follow (clients must not branch on it).
func errorText(code int) (title, details string, status int) {
	switch code {
	case 100:
		return "Invalid parameter", "", http.StatusBadRequest
	case 130429:
		return "Rate limit hit", "Cloud API message throughput has been reached.", http.StatusBadRequest
	case 131056:
		return "(Business Account, Consumer Account) pair rate limit hit",
			"Too many messages sent from the sender phone number to the same recipient phone number in a short period of time.", http.StatusBadRequest
	case 131000:
		return "Something went wrong", "Message failed to send due to an unknown error.", http.StatusInternalServerError
	case 131016:
		return "Service unavailable", "A service is temporarily unavailable.", http.StatusInternalServerError
	case 131008:
		return "Required parameter is missing", "", http.StatusBadRequest
	case 131009:
		return "Parameter value is not valid", "", http.StatusBadRequest
	case 131053:
		return "Media upload error", "Unable to upload the media used in the message.", http.StatusBadRequest
	case 131026:
		return "Message undeliverable", "Unable to deliver message. Reasons can include: the recipient phone number is not a WhatsApp phone number.", http.StatusBadRequest
	case 131042:
		return "Business eligibility payment issue",
			"Message failed to send because there were one or more errors related to your payment method.", http.StatusBadRequest
	case 131047:
		return "Re-engagement message",
			"Message failed to send because more than 24 hours have passed since the customer last replied to this number.", http.StatusBadRequest
	case 131048:
		return "Spam rate limit hit",
			"Message failed to send because there are restrictions on how many messages can be sent from this phone number. This may be because too many previous messages were blocked or flagged as spam.", http.StatusBadRequest
	case 131049:
		return "This message was not delivered to maintain healthy ecosystem engagement.",
			"In order to maintain a healthy ecosystem engagement, the message failed to be delivered.", http.StatusBadRequest
	case 132000:
		return "Number of parameters does not match the expected number of params", "", http.StatusBadRequest
	case 132001:
		return "Template name does not exist in the translation", "", http.StatusNotFound
	case 132012:
		return "Parameter format does not match format in the created template", "", http.StatusBadRequest
	case 132015:
		return "Template is paused", "Template is paused due to low quality so it cannot be sent in a template message.", http.StatusBadRequest
	case 132016:
		return "Template is disabled", "Template has been paused too many times due to low quality and is now permanently disabled.", http.StatusBadRequest
	case 133005:
		return "Two step verification PIN Mismatch", "Two step verification PIN incorrect.", http.StatusBadRequest
	case 133010:
		return "Account not registered", "Phone number not registered on the WhatsApp Business Platform.", http.StatusBadRequest
	case 131031:
		return "Account has been locked",
			"The WhatsApp Business Account associated with the app has been restricted or disabled for violating a platform policy, or we were unable to verify data included in the request against data set on the WhatsApp Business Account (e.g, the two-step pin included in the request is incorrect).", http.StatusForbidden
	case 368:
		return "Temporarily blocked for policies violations",
			"The WhatsApp Business Account associated with the app has been restricted or disabled for violating a platform policy.", http.StatusForbidden
	case 200:
		return "Permissions error", "", http.StatusForbidden
	case 4:
		return "Application request limit reached", "", http.StatusBadRequest
	case 80007:
		return "There have been too many calls to this WhatsApp Business account. Wait a bit and try again.", "", http.StatusBadRequest
	case 131057:
		return "Account in maintenance mode", "Business Account is in maintenance mode.", http.StatusInternalServerError
	case 2:
		return "Service temporarily unavailable", "", http.StatusServiceUnavailable
	}
	return "Error", "", http.StatusBadRequest
}

// apiError is the Graph error for code with details (the catalogue's when empty).
func apiError(code int, details string) *graph.APIError {
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
