package fakemeta

import "net/http"

// metaError is one code of Meta's error catalogue as fakemeta answers it.
type metaError struct {
	title   string // in the message as "(#code) title", and the title of webhook errors
	details string // error_data.details when the caller gives none; "" sends no error_data
	status  int    // HTTP status of a synchronous answer
}

// errorCatalogue holds every code WHATSAPP.md's error tables (§2.2, §2.3) name. Where a
// shared fixture shows a code, the title and details are the fixture's (graph/error_*.json,
// webhooks/status_failed_*.json, webhooks/inbound_*.json), so the fixture wins where it
// words a code differently from Meta's pages; otherwise the details are those of Meta's
// error-codes page (snapshot 2026-09-11) and the title that of Meta's older table, which
// gave each code a title; 131063 and 132018 take Meta's own examples. Meta documents no
// title for 130497 and 131064: they are titled with their details, as Meta titles 131049
// and 131050. 137000 is not on Meta's error-codes page at all; its wording is ours, after
// WHATSAPP.md §1.6. A synchronous 190 is tokenError's; its entry serves webhooks. The HTTP statuses are §2.2's: 401 for 0/190, 403
// for 10/200-299/368/131031/131005, 404 for 132001, 500 for 3/131000/131016/131045/
// 131057/133000, 503 for 2/133004, 400 for the rest.
var errorCatalogue = map[int]metaError{
	// Authorization
	0:   {"AuthException", "We were unable to authenticate the app user.", http.StatusUnauthorized},
	3:   {"API Method", "Capability or permissions issue.", http.StatusInternalServerError},
	10:  {"Permission Denied", "Permission is either not granted or has been removed.", http.StatusForbidden},
	190: {"Access token has expired", "Your access token has expired.", http.StatusUnauthorized},
	200: {"Permissions error", "", http.StatusForbidden}, // stands for 200-299 (errorText)

	// Integrity
	368:    {"Temporarily blocked for policies violations", "The WhatsApp Business Account associated with the app has been restricted or disabled for violating a platform policy.", http.StatusForbidden},
	130497: {"The WhatsApp Business Account is restricted from messaging to users in certain countries.", "The WhatsApp Business Account is restricted from messaging to users in certain countries.", http.StatusBadRequest},
	131031: {"Account has been locked", "The WhatsApp Business Account associated with the app has been restricted or disabled for violating a platform policy, or we were unable to verify data included in the request against data set on the WhatsApp Business Account (e.g, the two-step pin included in the request is incorrect).", http.StatusForbidden},

	// Throttling
	4:      {"Application request limit reached", "", http.StatusBadRequest},
	80007:  {"There have been too many calls to this WhatsApp Business account. Wait a bit and try again. For more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting.", "", http.StatusBadRequest},
	130429: {"Rate limit hit", "Cloud API message throughput has been reached.", http.StatusBadRequest},
	131048: {"Spam rate limit hit", "Message failed to send because there are restrictions on how many messages can be sent from this phone number. This may be because too many previous messages were blocked or flagged as spam.", http.StatusBadRequest},
	131056: {"(Business Account, Consumer Account) pair rate limit hit", "Too many messages sent from the sender phone number to the same recipient phone number in a short period of time.", http.StatusBadRequest},
	131064: {"Message failed to send because this account has reached its messaging limit due to template classification violations. This applies to both template messages and direct send messages.", "Message failed to send because this account has reached its messaging limit due to template classification violations. This applies to both template messages and direct send messages.", http.StatusBadRequest},
	133016: {"Account register deregister rate limit exceeded", "Registration or Deregistration failed because there were too many attempts for this phone number in a short period of time", http.StatusBadRequest},

	// Other
	1:       {"API Unknown", "Invalid request or possible server error.", http.StatusBadRequest},
	2:       {"Service temporarily unavailable", "Temporary due to downtime or due to being overloaded.", http.StatusServiceUnavailable},
	100:     {"Invalid parameter", "", http.StatusBadRequest}, // callers name the parameter
	130472:  {"User's number is part of an experiment", "Message was not sent as part of an experiment.", http.StatusBadRequest},
	131000:  {"Something went wrong", "Message failed to send due to an unknown error.", http.StatusInternalServerError},
	131005:  {"Access denied", "Permission is either not granted or has been removed.", http.StatusForbidden},
	131008:  {"Required parameter is missing", "The request is missing a required parameter.", http.StatusBadRequest},
	131009:  {"Parameter value is not valid", "One or more parameter values are invalid.", http.StatusBadRequest},
	131016:  {"Service unavailable", "A service is temporarily unavailable.", http.StatusInternalServerError},
	131021:  {"Recipient cannot be sender", "Sender and recipient phone number is the same.", http.StatusBadRequest},
	131026:  {"Message undeliverable", "Message Undeliverable.", http.StatusBadRequest},
	131042:  {"Business eligibility payment issue", "Message failed to send because there were one or more errors related to your payment method.", http.StatusBadRequest},
	131045:  {"Incorrect certificate", "Message failed to send due to a phone number registration error.", http.StatusInternalServerError},
	131047:  {"Re-engagement message", "Message failed to send because more than 24 hours have passed since the customer last replied to this number.", http.StatusBadRequest},
	131049:  {"This message was not delivered to maintain healthy ecosystem engagement.", "In order to maintain a healthy ecosystem engagement, the message failed to be delivered.", http.StatusBadRequest},
	131050:  {"Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.", "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.", http.StatusBadRequest},
	131051:  {"Message type unknown", "Message type is currently not supported.", http.StatusBadRequest},
	131052:  {"Media download error", "Unable to download the media sent by the user.", http.StatusBadRequest},
	131053:  {"Media upload error", "Unable to upload the media used in the message.", http.StatusBadRequest},
	131057:  {"Account in maintenance mode", "Business Account is in maintenance mode.", http.StatusInternalServerError},
	131063:  {"Marketing templates disabled for Cloud API", "Your template is categorized as Marketing, but marketing templates are currently disabled for your Cloud API configuration.", http.StatusBadRequest},
	132000:  {"Number of parameters does not match the expected number of params", "The number of variable parameter values included in the request did not match the number of variable parameters defined in the template.", http.StatusBadRequest},
	132001:  {"Template name does not exist in the translation", "The template does not exist in the specified language or the template has not been approved.", http.StatusNotFound},
	132005:  {"Template Hydrated Text Too Long", "Translated text is too long.", http.StatusBadRequest},
	132007:  {"Template Format Character Policy Violated", "Template content violates a WhatsApp policy.", http.StatusBadRequest},
	132012:  {"Parameter format does not match format in the created template", "Variable parameter values formatted incorrectly.", http.StatusBadRequest},
	132015:  {"Template is paused", "Template is paused due to low quality so it cannot be sent in a template message.", http.StatusBadRequest},
	132016:  {"Template is disabled", "Template has been paused too many times due to low quality and is now permanently disabled.", http.StatusBadRequest},
	132018:  {"Template validation error", "There's an issue with the parameters in your template.", http.StatusBadRequest},
	133000:  {"Incomplete Deregistration", "A previous deregistration attempt failed.", http.StatusInternalServerError},
	133004:  {"Server Temporarily Unavailable", "Server is temporarily unavailable.", http.StatusServiceUnavailable},
	133005:  {"Two step verification PIN Mismatch", "Two step verification PIN incorrect.", http.StatusBadRequest},
	133006:  {"Phone number re-verification needed", "Phone number needs to be verified before registering.", http.StatusBadRequest},
	133008:  {"Too Many two step verification PIN Guesses", "Too many two-step verification PIN guesses for this phone number.", http.StatusBadRequest},
	133009:  {"Two step verification PIN Guessed Too Fast", "Two-step verification PIN was entered too quickly.", http.StatusBadRequest},
	133010:  {"Account not registered", "Phone number not registered on the WhatsApp Business Platform.", http.StatusBadRequest},
	133015:  {"Please wait a few minutes before attempting to register this phone number", "The phone number you are attempting to register was recently deleted, and deletion has not yet completed.", http.StatusBadRequest},
	137000:  {"Identity key hash mismatch", "The message was not delivered because the recipient's identity key hash does not match the one given in the request.", http.StatusBadRequest},
	2388019: {"Message Template Limit Exceeded", "You have exceeded the maximum number of message templates you can have for this WhatsApp business account.", http.StatusBadRequest},
}

// errorText is Meta's title, default details and HTTP status for a code; a code outside
// the catalogue gets the title "Error".
func errorText(code int) (title, details string, status int) {
	if code > 200 && code <= 299 {
		code = 200
	}
	if e, ok := errorCatalogue[code]; ok {
		return e.title, e.details, e.status
	}
	return "Error", "", http.StatusBadRequest
}
