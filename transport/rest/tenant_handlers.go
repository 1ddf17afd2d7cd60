package rest

import (
	"context"
	"net/http"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/httpx"
)

type createTenantRequest struct {
	Name *string `json:"name"`
}

func (s *Server) createTenant(ctx *fasthttp.RequestCtx, c context.Context) {
	var req createTenantRequest
	if err := httpx.DecodeJSON(ctx, &req); err != nil {
		s.fail(ctx, err)
		return
	}
	t, err := s.accounts.CreateTenant(c, principalOf(ctx), deref(req.Name))
	if err != nil {
		s.fail(ctx, err)
		return
	}
	httpx.OK(ctx, http.StatusCreated, "Tenant created", map[string]any{"tenant": viewTenant(t)})
}

func (s *Server) listTenants(ctx *fasthttp.RequestCtx, c context.Context) {
	page, err := pageOf(ctx)
	if err != nil {
		s.fail(ctx, err)
		return
	}
	ts, total, err := s.accounts.ListTenants(c, principalOf(ctx), page)
	if err != nil {
		s.fail(ctx, err)
		return
	}
	views := make([]tenantView, len(ts))
	for i, t := range ts {
		views[i] = viewTenant(t)
	}
	httpx.List(ctx, "Tenants", views, httpx.NewPagination(total, page))
}
