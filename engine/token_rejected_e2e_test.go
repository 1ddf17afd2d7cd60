package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/switchboard/switchboard/engine/enginetest"
	"github.com/switchboard/switchboard/fakemeta"
)

// Meta answering 190 to any call made with the tenant's token — a template sync, not only a
// send — means the token is dead (WHATSAPP.md §2.3: mark the channel needs_reauth, alert
// the tenant). The tenant is flagged in the directory, so its status says sends are refused
// and a send is refused at once, instead of the engine accepting it and finding out later.
func TestTokenRejectedOutsideSends(t *testing.T) {
	r := startWithMeta(t, enginetest.Embedded, fakemeta.DefaultConfig(), nil)
	r.meta.ExpireToken(tokenA)
	if res := r.Post("/api/v1/templates/sync?tenantId="+r.tenantA, r.admin, nil); res.Status != 422 || res.Code() != "needs_reauth" {
		t.Fatalf("template sync with an expired token: %d %s", res.Status, res.Body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tn, err := r.Engine.Store().Directory().TenantByID(ctx, r.tenantA)
	if err != nil || !tn.NeedsReauth {
		t.Fatalf("tenant not flagged after Meta rejected its token (err %v)", err)
	}
	var st struct {
		Status struct {
			Sending struct {
				Refused string `json:"refused"`
			} `json:"sending"`
		} `json:"status"`
	}
	res := r.Do(enginetest.Request{Method: "GET", Path: "/api/v1/tenants/" + r.tenantA + "/status", Token: r.admin})
	res.Data(t, &st)
	if res.Status != 200 || st.Status.Sending.Refused != "needs_reauth" {
		t.Fatalf("status after a 190: %d %s", res.Status, res.Body)
	}
}
