package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

// The probe passes on a 200 from the node on PORT and fails on anything else, or on nothing.
func TestHealthProbe(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/health" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"success":true}`))
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	t.Setenv("PORT", port)
	if err := health(nil); err != nil {
		t.Fatalf("healthy node: %v", err)
	}
	status = http.StatusServiceUnavailable
	if err := health(nil); err == nil {
		t.Fatal("a 503 passed")
	}
	srv.Close()
	if err := health(nil); err == nil {
		t.Fatal("no node passed")
	}
}
