package rest

import (
	"errors"
	"net/http"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/accounts"
	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/auth"
	"github.com/switchboard/switchboard/cluster"
	"github.com/switchboard/switchboard/persistence"
	"github.com/switchboard/switchboard/transport/httpx"
)

// roleForbidden is the answer to a caller whose role may not do what it asked.
const roleForbidden = "Your role may not do this"

// fail maps domain errors to their API answer. One table, so the same error always gets the
// same status and code whichever handler met it.
func (s *Server) fail(ctx *fasthttp.RequestCtx, err error) {
	var verr accounts.ValidationError
	var refused *actors.SendRefusedError
	switch {
	case errors.As(err, &refused):
		err = sendRefused(refused)
	case errors.As(err, &verr):
		details := make([]httpx.Detail, len(verr))
		for i, f := range verr {
			details[i] = httpx.Detail{Field: f.Field, Message: f.Message}
		}
		err = httpx.Validation(details...)
	case errors.Is(err, accounts.ErrBadCredentials):
		err = httpx.NewError(http.StatusUnauthorized, httpx.CodeUnauthorized, "Invalid email or password")
	case errors.Is(err, accounts.ErrUserDisabled):
		err = httpx.NewError(http.StatusUnauthorized, httpx.CodeUnauthorized, "This account is disabled")
	case errors.Is(err, accounts.ErrTenantInactive):
		err = httpx.NewError(http.StatusForbidden, httpx.CodeTenantInactive, "The tenant is deactivated")
	case errors.Is(err, accounts.ErrEmailTaken):
		err = httpx.NewError(http.StatusConflict, httpx.CodeConflict, "A user with this email already exists",
			httpx.Detail{Field: "email", Message: "is already registered"})
	case errors.Is(err, auth.ErrTokenExpired):
		err = httpx.NewError(http.StatusUnauthorized, httpx.CodeTokenExpired, "The token has expired; log in again")
	case errors.Is(err, auth.ErrTokenInvalid):
		err = httpx.NewError(http.StatusUnauthorized, httpx.CodeTokenInvalid, "The token is invalid")
	case errors.Is(err, auth.ErrBusy):
		e := httpx.NewError(http.StatusServiceUnavailable, httpx.CodeUnavailable, "Too many passwords are being checked; retry shortly")
		e.RetryAfterSeconds = 1
		err = e
	case errors.Is(err, actors.ErrNotFound):
		err = httpx.NotFound("Conversation")
	case errors.Is(err, actors.ErrInvalid):
		err = httpx.NewError(http.StatusBadRequest, httpx.CodeValidation, "Invalid request")
	case errors.Is(err, actors.ErrUnavailable):
		e := httpx.NewError(http.StatusServiceUnavailable, httpx.CodeUnavailable, "The conversation service is unavailable; retry shortly")
		e.RetryAfterSeconds = 1
		err = e
	case errors.Is(err, auth.ErrNotVisible), errors.Is(err, persistence.ErrNotFound):
		err = httpx.NotFound("Resource")
	case errors.Is(err, auth.ErrForbidden):
		err = httpx.Forbidden(roleForbidden)
	case errors.Is(err, persistence.ErrConflict):
		err = httpx.NewError(http.StatusConflict, httpx.CodeConflict, "The resource already exists")
	}
	httpx.Fail(ctx, err)
}

// sendRefused maps a tenant's refusal to send to its API answer.
func sendRefused(r *actors.SendRefusedError) error {
	switch r.Code {
	case actors.FailureTenantInactive:
		return httpx.NewError(http.StatusForbidden, httpx.CodeTenantInactive, "The tenant is deactivated")
	case actors.FailureNeedsReauth:
		return httpx.NewError(http.StatusUnprocessableEntity, httpx.CodeNeedsReauth, upperFirst(r.Reason))
	case actors.FailureSendingPaused:
		return httpx.NewError(http.StatusConflict, httpx.CodeSendingPaused, upperFirst(r.Reason))
	case actors.FailureTemplate:
		return httpx.NewError(http.StatusUnprocessableEntity, httpx.CodeTemplateNotUsable, upperFirst(r.Reason))
	case actors.FailureTemplateParams:
		return httpx.NewError(http.StatusUnprocessableEntity, httpx.CodeTemplateParams, upperFirst(r.Reason), failureDetails(r.Details)...)
	case actors.FailureMarketingOptOut:
		return httpx.NewError(http.StatusUnprocessableEntity, httpx.CodeMarketingOptOut, upperFirst(r.Reason))
	case actors.FailureNumberChanged:
		return httpx.NewError(http.StatusConflict, httpx.CodeNumberChanged, upperFirst(r.Reason), failureDetails(r.Details)...)
	case actors.FailureIdempotencyReused:
		return idempotencyReused()
	case actors.FailureRecipientIsSender:
		return httpx.Validation(failureDetails(r.Details)...)
	case actors.FailureQueueFull:
		e := httpx.NewError(http.StatusTooManyRequests, httpx.CodeQueueFull, upperFirst(r.Reason))
		e.RetryAfterSeconds = r.RetryAfter
		return e
	case actors.FailureMessagingLimit:
		e := httpx.NewError(http.StatusTooManyRequests, httpx.CodeMessagingLimit, upperFirst(r.Reason))
		e.RetryAfterSeconds = r.RetryAfter
		return e
	case actors.FailureMarketingHeld:
		e := httpx.NewError(http.StatusTooManyRequests, httpx.CodeMarketingHeld, upperFirst(r.Reason))
		e.RetryAfterSeconds = r.RetryAfter
		return e
	default:
		return httpx.NewError(http.StatusUnprocessableEntity, httpx.CodeNotConfigured, upperFirst(r.Reason))
	}
}

// failureDetails are a grain's refusal details as the API names them.
func failureDetails(fd []cluster.FailureDetail) []httpx.Detail {
	details := make([]httpx.Detail, len(fd))
	for i, d := range fd {
		details[i] = httpx.Detail{Field: d.Field, Message: d.Message}
	}
	return details
}

func upperFirst(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
