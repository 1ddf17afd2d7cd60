package ratelimit_test

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard/switchboard/transport/ratelimit"
)

func ExampleMemory() {
	limiter := ratelimit.NewMemory()
	defer limiter.Close()
	auth := ratelimit.Rule{Name: "auth", Limit: 2, Window: 15 * time.Minute}
	for range 3 {
		d, _ := limiter.Allow(context.Background(), auth, "203.0.113.7")
		fmt.Println(d.Allowed, d.Remaining, d.RetryAfter > 0)
	}
	// Output:
	// true 1 false
	// true 0 false
	// false 0 true
}
