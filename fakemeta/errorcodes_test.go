package fakemeta

import (
	"fmt"
	"testing"

	"github.com/switchboard/switchboard/internal/fixtures"
	"github.com/switchboard/switchboard/transport/graph"
)

// Every code WHATSAPP.md's error tables (§2.2, §2.3) name is answered with a title, the
// details Meta documents for it, and §2.2's HTTP status; none falls back to "Error".
func TestDocumentedCodesAreCatalogued(t *testing.T) {
	const noDetails = "" // the fixtures of 4, 80007 and 200 carry no error_data; 100 names the parameter
	for _, c := range []struct {
		code, status int
		details      string
	}{
		{0, 401, "We were unable to authenticate the app user."},
		{1, 400, "Invalid request or possible server error."},
		{2, 503, "Temporary due to downtime or due to being overloaded."},
		{3, 500, "Capability or permissions issue."},
		{4, 400, noDetails},
		{10, 403, "Permission is either not granted or has been removed."},
		{100, 400, noDetails},
		{200, 403, noDetails}, {250, 403, noDetails}, {299, 403, noDetails},
		{368, 403, "The WhatsApp Business Account associated with the app has been restricted or disabled for violating a platform policy."},
		{80007, 400, noDetails},
		{130429, 400, "Cloud API message throughput has been reached."},
		{130472, 400, "Message was not sent as part of an experiment."},
		{130497, 400, "The WhatsApp Business Account is restricted from messaging to users in certain countries."},
		{131000, 500, "Message failed to send due to an unknown error."},
		{131005, 403, "Permission is either not granted or has been removed."},
		{131008, 400, "The request is missing a required parameter."},
		{131009, 400, "One or more parameter values are invalid."},
		{131016, 500, "A service is temporarily unavailable."},
		{131021, 400, "Sender and recipient phone number is the same."},
		{131026, 400, "Message Undeliverable."},
		{131031, 403, "The WhatsApp Business Account associated with the app has been restricted or disabled for violating a platform policy, or we were unable to verify data included in the request against data set on the WhatsApp Business Account (e.g, the two-step pin included in the request is incorrect)."},
		{131042, 400, "Message failed to send because there were one or more errors related to your payment method."},
		{131045, 500, "Message failed to send due to a phone number registration error."},
		{131047, 400, "Message failed to send because more than 24 hours have passed since the customer last replied to this number."},
		{131048, 400, "Message failed to send because there are restrictions on how many messages can be sent from this phone number. This may be because too many previous messages were blocked or flagged as spam."},
		{131049, 400, "In order to maintain a healthy ecosystem engagement, the message failed to be delivered."},
		{131050, 400, "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business."},
		{131051, 400, "Message type is currently not supported."},
		{131052, 400, "Unable to download the media sent by the user."},
		{131053, 400, "Unable to upload the media used in the message."},
		{131056, 400, "Too many messages sent from the sender phone number to the same recipient phone number in a short period of time."},
		{131057, 500, "Business Account is in maintenance mode."},
		{131063, 400, "Your template is categorized as Marketing, but marketing templates are currently disabled for your Cloud API configuration."},
		{131064, 400, "Message failed to send because this account has reached its messaging limit due to template classification violations. This applies to both template messages and direct send messages."},
		{132000, 400, "The number of variable parameter values included in the request did not match the number of variable parameters defined in the template."},
		{132001, 404, "The template does not exist in the specified language or the template has not been approved."},
		{132005, 400, "Translated text is too long."},
		{132007, 400, "Template content violates a WhatsApp policy."},
		{132012, 400, "Variable parameter values formatted incorrectly."},
		{132015, 400, "Template is paused due to low quality so it cannot be sent in a template message."},
		{132016, 400, "Template has been paused too many times due to low quality and is now permanently disabled."},
		{132018, 400, "There's an issue with the parameters in your template."},
		{133000, 500, "A previous deregistration attempt failed."},
		{133004, 503, "Server is temporarily unavailable."},
		{133005, 400, "Two step verification PIN incorrect."},
		{133006, 400, "Phone number needs to be verified before registering."},
		{133008, 400, "Too many two-step verification PIN guesses for this phone number."},
		{133009, 400, "Two-step verification PIN was entered too quickly."},
		{133010, 400, "Phone number not registered on the WhatsApp Business Platform."},
		{133015, 400, "The phone number you are attempting to register was recently deleted, and deletion has not yet completed."},
		{133016, 400, "Registration or Deregistration failed because there were too many attempts for this phone number in a short period of time"},
		{137000, 400, "The message was not delivered because the recipient's identity key hash does not match the one given in the request."},
		{2388019, 400, "You have exceeded the maximum number of message templates you can have for this WhatsApp business account."},
	} {
		t.Run(fmt.Sprint(c.code), func(t *testing.T) {
			e := apiError(c.code, "")
			title, _, _ := errorText(c.code)
			if title == "Error" || e.Message != fmt.Sprintf("(#%d) %s", c.code, title) {
				t.Errorf("message %q", e.Message)
			}
			if e.Code != c.code || e.HTTPStatus != c.status || e.Details != c.details {
				t.Errorf("code %d, HTTP %d, details %q", e.Code, e.HTTPStatus, e.Details)
			}
		})
	}
	// A synchronous 190 is a token error, as Meta answers it.
	if e := apiError(190, ""); e.HTTPStatus != 401 || e.Code != 190 || e.Subcode != 463 {
		t.Errorf("190: %+v", e)
	}
}

// A send failed asynchronously carries the error object Meta's failed status does
// (fixtures/webhooks/status_failed_*.json): code, title, message, details and href.
func TestAsyncFailuresMatchTheFixtures(t *testing.T) {
	sk := startSink(t)
	s := startFake(t, Config{CallbackURL: sk.url, IgnoreWindow: true})
	c := clientFor(t, s)
	for code, file := range map[int]string{
		131026: "status_failed_131026.json",
		131047: "status_failed_131047.json",
		131049: "status_failed_131049.json",
		131050: "status_failed_131050_marketing_optout.json",
	} {
		t.Run(file, func(t *testing.T) {
			w, err := graph.ParseWebhook(fixtures.Read(t, "webhooks/"+file))
			if err != nil {
				t.Fatal(err)
			}
			v, err := w.Entry[0].Changes[0].MessagesValue()
			if err != nil {
				t.Fatal(err)
			}
			want := v.Statuses[0].Errors[0]
			s.FailNextAsync(pnA, code, 1)
			r, err := c.SendMessage(bg(), tokenA, pnA, text(user, "hi"))
			if err != nil {
				t.Fatal(err)
			}
			var got graph.Error
			eventually(t, "the failed status", func() bool {
				statuses, _, _ := sk.snapshot()
				for _, st := range statuses {
					if st.ID == r.WAMID() && st.Status == graph.StatusFailed && len(st.Errors) == 1 {
						got = st.Errors[0]
						return true
					}
				}
				return false
			})
			if a, b := mustJSON(t, got), mustJSON(t, want); string(a) != string(b) {
				t.Errorf("\ngot  %s\nwant %s", a, b)
			}
		})
	}
}
