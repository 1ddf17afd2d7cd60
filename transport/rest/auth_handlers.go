package rest

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/accounts"
	"github.com/switchboard/switchboard/persistence"
	"github.com/switchboard/switchboard/transport/httpx"
)

type loginRequest struct {
	Email    *string `json:"email"`
	Password *string `json:"password"`
}

type loginResponse struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expiresAt"`
	User      userView  `json:"user"`
}

func (s *Server) login(ctx *fasthttp.RequestCtx, c context.Context) {
	var req loginRequest
	if err := httpx.DecodeJSON(ctx, &req); err != nil {
		s.fail(ctx, err)
		return
	}
	var details []httpx.Detail
	if req.Email == nil || strings.TrimSpace(*req.Email) == "" {
		details = append(details, httpx.Detail{Field: "email", Message: "is required"})
	}
	if req.Password == nil || *req.Password == "" {
		details = append(details, httpx.Detail{Field: "password", Message: "is required"})
	}
	if len(details) > 0 {
		s.fail(ctx, httpx.Validation(details...))
		return
	}
	guard := s.loginGuard(ctx, *req.Email)
	if guard.refused(ctx) {
		return
	}
	sess, err := s.accounts.Login(c, *req.Email, *req.Password)
	if err != nil {
		if errors.Is(err, accounts.ErrBadCredentials) {
			guard.failed()
		}
		s.fail(ctx, err)
		return
	}
	httpx.OK(ctx, http.StatusOK, "Login successful", loginResponse{
		Token: sess.Token, ExpiresAt: sess.ExpiresAt.UTC(), User: viewUser(sess.User),
	})
}

type registerRequest struct {
	Email    *string `json:"email"`
	Password *string `json:"password"`
	Name     *string `json:"name"`
	Role     *string `json:"role"`
	TenantID *string `json:"tenantId"`
}

func (s *Server) register(ctx *fasthttp.RequestCtx, c context.Context) {
	var req registerRequest
	if err := httpx.DecodeJSON(ctx, &req); err != nil {
		s.fail(ctx, err)
		return
	}
	u, err := s.accounts.Register(c, principalOf(ctx), accounts.RegisterInput{
		Email: deref(req.Email), Password: deref(req.Password), Name: deref(req.Name),
		Role: persistence.Role(deref(req.Role)), TenantID: deref(req.TenantID),
	})
	if err != nil {
		s.fail(ctx, err)
		return
	}
	httpx.OK(ctx, http.StatusCreated, "User registered", map[string]any{"user": viewUser(u)})
}

func (s *Server) me(ctx *fasthttp.RequestCtx, c context.Context) {
	prof, err := s.accounts.Me(c, principalOf(ctx))
	if err != nil {
		s.fail(ctx, err)
		return
	}
	v := viewUser(prof.User)
	if prof.Tenant != nil {
		tv := viewTenant(*prof.Tenant)
		v.Tenant = &tv
	}
	httpx.OK(ctx, http.StatusOK, "Current user", map[string]any{"user": v})
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
