package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"
)

// healthTimeout bounds the probe: a container runtime runs it every few seconds.
const healthTimeout = 3 * time.Second

// health asks this machine's node for GET /api/v1/health on PORT (default 5000) and fails
// unless it answers 200: the container image's HEALTHCHECK, which has no curl to run
// (distroless). It reads only PORT, so it probes the node the same environment started.
func health(args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("health takes no arguments (it reads PORT)")
	}
	port := os.Getenv("PORT")
	if port == "" {
		port = "5000"
	}
	url := "http://" + net.JoinHostPort("127.0.0.1", port) + "/api/v1/health"
	ctx, cancel := context.WithTimeout(context.Background(), healthTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("health: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("health: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("health: %s answered %d: %s", url, resp.StatusCode, body)
	}
	fmt.Printf("%s\n", body)
	return nil
}
