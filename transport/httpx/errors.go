package httpx

import (
	"errors"
	"fmt"
	"net/http"
)

// Stable error codes. Clients switch on these, never on the human message; a code once
// published is never renamed. Listed in README.md ("Errors").
const (
	CodeValidation        = "validation_failed"       // 400: details name each field
	CodeInvalidJSON       = "invalid_json"            // 400: body is not JSON or has a wrong type
	CodeDuplicateParam    = "duplicate_parameter"     // 400: a query parameter given twice (HPP)
	CodeUnauthorized      = "unauthorized"            // 401: no or bad credentials
	CodeTokenExpired      = "token_expired"           // 401
	CodeTokenInvalid      = "token_invalid"           // 401: tampered, wrong key, alg none
	CodeInvalidSignature  = "invalid_signature"       // 401: webhook X-Hub-Signature-256
	CodeForbidden         = "forbidden"               // 403
	CodeNotFound          = "not_found"               // 404 (also for other tenants' resources)
	CodeMethodNotAllowed  = "method_not_allowed"      // 405
	CodeConflict          = "conflict"                // 409
	CodePayloadTooLarge   = "payload_too_large"       // 413
	CodeUnsupportedMedia  = "unsupported_media_type"  // 415
	CodeRuleRefused       = "rule_refused"            // 422: generic business rule
	CodeWindowClosed      = "window_closed"           // 422: free-form outside the 24 h window
	CodeRateLimited       = "rate_limited"            // 429, with Retry-After
	CodeInternal          = "internal_error"          // 500: a bug; logged with the request id
	CodeUnavailable       = "service_unavailable"     // 503: a dependency is down
	CodeTenantInactive    = "tenant_inactive"         // 403: the tenant was deactivated
	CodeNotConfigured     = "not_configured"          // 422: e.g. tenant has no WhatsApp number yet
	CodeTemplateNotUsable = "template_not_usable"     // 422: template not synced or not APPROVED
	CodeNeedsReauth       = "needs_reauth"            // 422: Meta rejected the tenant's token; reconnect the number
	CodeSendingPaused     = "sending_paused"          // 409: Meta restricted the number or WABA; sends paused for now
	CodeIdempotencyReused = "idempotency_key_reused"  // 422: the Idempotency-Key named a different message before
	CodeQueueFull         = "queue_full"              // 429, with Retry-After: the number's backlog is at its bound
	CodeMessagingLimit    = "messaging_limit_reached" // 429, with Retry-After: Meta's limit on customers messaged outside their window
	CodeMediaRejected     = "media_rejected"          // 422: Meta refused an uploaded file (its code and details in the message)
	CodeMediaTypeMismatch = "media_type_mismatch"     // 400: an upload's bytes are clearly not of the type it declares
	CodeNotCancelable     = "not_cancelable"          // 409: the message is no longer queued (on its way to Meta, or settled)
	// 422: a template send's components do not fit the template's parameters (count, names, a
	// media header's type, a URL button's one parameter); details name each component or
	// parameter at fault (components[0].parameters[1]).
	CodeTemplateParams  = "template_parameters_mismatch"
	CodeMarketingOptOut = "marketing_opt_out"
	// CodeMarketingHeld is 429, with Retry-After: Meta held a marketing message to the
	// customer back within the last day (131049) and would refuse another.
	CodeMarketingHeld = "marketing_held"
	// CodeNumberChanged is 409: the conversation's customer changed number; details[0]
	// (field continuedIn) is the id of the conversation they continue in.
	CodeNumberChanged = "number_changed"
	// Requests the HTTP server refuses while reading them, before any handler runs.
	CodeMalformedRequest = "malformed_request" // 400: not parseable as HTTP (e.g. a control character in a header)
	CodeRequestTimeout   = "request_timeout"   // 408: the request did not arrive in time
	CodeHeadersTooLarge  = "headers_too_large" // 431: headers exceed the read buffer
)

// Detail names one problem with one field of a request.
type Detail struct {
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// Error is an answer the API gives on purpose. Handlers return or write it; anything else
// that reaches the edge is a bug and answers 500.
type Error struct {
	Status  int
	Code    string
	Message string
	Details []Detail
	// RetryAfterSeconds sets Retry-After on 429 and 503 answers when positive.
	RetryAfterSeconds int
}

func (e *Error) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

// NewError builds an Error.
func NewError(status int, code, message string, details ...Detail) *Error {
	return &Error{Status: status, Code: code, Message: message, Details: details}
}

// Validation is a 400 whose details name the fields at fault.
func Validation(details ...Detail) *Error {
	return NewError(http.StatusBadRequest, CodeValidation, "Validation failed", details...)
}

// NotFound is the 404 given both for missing resources and for resources of another tenant,
// so ids of other tenants are never confirmed.
func NotFound(what string) *Error {
	return NewError(http.StatusNotFound, CodeNotFound, what+" not found")
}

// Forbidden is a 403 for a caller who is known but may not do this.
func Forbidden(message string) *Error {
	return NewError(http.StatusForbidden, CodeForbidden, message)
}

// AsError unwraps err to an *Error when it is one.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
