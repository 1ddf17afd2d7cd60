package rest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/auth"
	"github.com/switchboard/switchboard/persistence"
	"github.com/switchboard/switchboard/transport/graph"
	"github.com/switchboard/switchboard/transport/httpx"
)

// GET /templates and POST /templates/sync: the tenant's message templates as the engine
// knows them — from Meta's webhooks, and from syncs, which read every page of Meta's list
// and replace what the tenant knew (templates deleted on Meta go). send-template takes only
// a template known here and APPROVED.

// templateSyncTimeout bounds a sync's Graph calls (a few pages) and the tenant's write.
const templateSyncTimeout = 30 * time.Second

type templateView struct {
	ID               string     `json:"id,omitempty"` // Meta's number, as a string: API.md's ids are strings
	Name             string     `json:"name"`
	Language         string     `json:"language"`
	Status           string     `json:"status"`
	Category         string     `json:"category,omitempty"`
	Reason           string     `json:"reason,omitempty"`
	CorrectCategory  string     `json:"correctCategory,omitempty"`
	CategoryChangeAt *time.Time `json:"categoryChangeAt,omitempty"`
	UpdatedAt        time.Time  `json:"updatedAt"`
	// Parameters is what a send of the template takes, from its definition in Meta's list
	// (absent when not known: synced before definitions were kept, or edited since; such a
	// template's sends are not checked). {} takes none.
	Parameters *actors.TemplateParams `json:"parameters,omitempty"`
}

// metaID writes one of Meta's numeric ids as the API writes every id: a string ("" for none).
func metaID(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

// namedTenantExists checks the tenant a platform admin named with ?tenantId= is in the
// directory (404 not_found otherwise, as for every other route naming a missing tenant);
// a tenant user's own tenant needs no read. Without it a listing answered 200 with nothing,
// and activated a tenant grain for any id asked about.
func (s *Server) namedTenantExists(ctx *fasthttp.RequestCtx, c context.Context, tenantID string) error {
	if !principalOf(ctx).IsPlatformAdmin() || tenantID == "" {
		return nil
	}
	if _, err := s.opts.Store.Directory().TenantByID(c, tenantID); err != nil {
		return fmt.Errorf("tenant %q: %w", tenantID, err)
	}
	return nil
}

// scopedTenant resolves the tenant a per-tenant request acts on: the caller's own, or for a
// platform admin the one named by ?tenantId= (required).
func scopedTenant(ctx *fasthttp.RequestCtx) (string, error) {
	id, err := principalOf(ctx).TenantScope(string(ctx.QueryArgs().Peek("tenantId")))
	if err != nil {
		return "", err
	}
	if id == "" {
		return "", httpx.Validation(httpx.Detail{Field: "tenantId", Message: "is required for a platform admin"})
	}
	return id, nil
}

// listTemplates is GET /templates: sorted by name then language, ?status= filters
// (APPROVED: the ones send-template takes), paginated.
func (s *Server) listTemplates(ctx *fasthttp.RequestCtx, c context.Context) {
	tenantID, err := scopedTenant(ctx)
	if err == nil {
		err = s.namedTenantExists(ctx, c, tenantID)
	}
	if err != nil {
		s.fail(ctx, err)
		return
	}
	page, err := pageOf(ctx)
	if err != nil {
		s.fail(ctx, err)
		return
	}
	status := strings.ToUpper(strings.TrimSpace(string(ctx.QueryArgs().Peek("status"))))
	st, err := s.opts.Actors.TenantState(c, tenantID)
	if err != nil {
		s.fail(ctx, err)
		return
	}
	if status != "" && !templateStatusKnown(status, st.Templates) {
		s.fail(ctx, httpx.Validation(httpx.Detail{Field: "status",
			Message: "must be a template status: " + strings.Join(graph.TemplateStatuses, ", ")}))
		return
	}
	views := []templateView{}
	for _, t := range st.Templates {
		if status != "" && t.Status != status {
			continue
		}
		v := templateView{ID: metaID(t.ID), Name: t.Name, Language: t.Language, Status: t.Status, Category: t.Category,
			Reason: t.Reason, CorrectCategory: t.CorrectCategory, UpdatedAt: t.UpdatedAt, Parameters: t.Params}
		if !t.CategoryChangeAt.IsZero() {
			at := t.CategoryChangeAt
			v.CategoryChangeAt = &at
		}
		views = append(views, v)
	}
	slices.SortFunc(views, func(a, b templateView) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Language, b.Language))
	})
	total := len(views)
	from := min(page.Skip(), total)
	httpx.List(ctx, "Templates", views[from:min(from+page.Limit, total)], httpx.NewPagination(total, page))
}

// syncTemplates is POST /templates/sync (platform admin, the tenant's admin).
func (s *Server) syncTemplates(ctx *fasthttp.RequestCtx, _ context.Context) {
	tenantID, err := scopedTenant(ctx)
	if err != nil {
		s.fail(ctx, err)
		return
	}
	if !principalOf(ctx).CanManageTenant(tenantID) {
		s.fail(ctx, auth.ErrForbidden)
		return
	}
	if s.opts.SyncTemplates == nil {
		s.fail(ctx, &actors.SendRefusedError{Code: actors.FailureNotConfigured, Reason: "this node has no Graph API client and cannot sync"})
		return
	}
	c, cancel := context.WithTimeout(context.Background(), templateSyncTimeout)
	defer cancel()
	r, err := s.opts.SyncTemplates(c, tenantID)
	if err != nil {
		s.fail(ctx, metaRefused(err, httpx.CodeNotConfigured, "the template list"))
		return
	}
	httpx.OK(ctx, http.StatusOK, fmt.Sprintf("Templates synced: %d added, %d updated, %d removed", r.Added, r.Updated, r.Removed),
		map[string]any{"sync": r})
}

// metaRefused maps a failed call to Meta made for the API (an upload, a sync) to its
// answer: a tenant not in the directory is not found; the tenant's own refusal as for a
// send; Meta's rejection of the token; Meta's
// rate limits (429 with Meta's own estimate); Meta trouble (503); any other answer of Meta
// is 422 with code, naming what Meta refused and Meta's own code; no answer at all is 503.
func metaRefused(err error, code, what string) error {
	if errors.Is(err, persistence.ErrNotFound) {
		return httpx.NotFound("Tenant")
	}
	var refused *actors.SendRefusedError
	if errors.As(err, &refused) {
		return refused
	}
	var api *graph.APIError
	isAPI := errors.As(err, &api) && api.Parsed
	switch class := graph.ClassOf(err); {
	case class == graph.Reauth:
		return httpx.NewError(http.StatusUnprocessableEntity, httpx.CodeNeedsReauth, "Meta rejected the tenant's access token; reconnect the number through Embedded Signup")
	case isAPI && api.RateLimited():
		e := httpx.NewError(http.StatusTooManyRequests, httpx.CodeRateLimited, "Meta's rate limit for this WhatsApp Business Account is reached; retry later")
		e.RetryAfterSeconds = max(60, api.RegainAccessAfter*60)
		return e
	case class.Retryable():
		e := httpx.NewError(http.StatusServiceUnavailable, httpx.CodeUnavailable, "Meta could not answer now; retry shortly")
		e.RetryAfterSeconds = 5
		return e
	case isAPI:
		return httpx.NewError(http.StatusUnprocessableEntity, code, fmt.Sprintf("Meta refused %s (%d): %s", what, api.Code, strings.TrimSpace(api.Message+" "+api.Details)))
	default:
		e := httpx.NewError(http.StatusServiceUnavailable, httpx.CodeUnavailable, "Meta could not be reached; retry shortly")
		e.RetryAfterSeconds = 5
		return e
	}
}

// templateStatusKnown reports whether ?status= names a status Meta documents or one a stored
// template has (Meta's list is open: a status it adds later is filterable once it arrives),
// so a misspelt filter is a 400 rather than an empty page that looks like "no templates".
func templateStatusKnown(status string, stored map[string]actors.TemplateState) bool {
	if slices.Contains(graph.TemplateStatuses, status) {
		return true
	}
	for _, t := range stored {
		if t.Status == status {
			return true
		}
	}
	return false
}
