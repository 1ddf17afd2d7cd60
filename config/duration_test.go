package config

import (
	"strings"
	"testing"
	"time"
)

// JWT_EXPIRES_IN keeps the values the Node.js platform took (jsonwebtoken reads them with
// the ms package: a number, an optional space, a unit in any case, long or short), so a
// deployment's environment carries over; before, "1w", "7 days" or "12 hours" stopped
// start-up. A bare number is refused, naming the unit it lacks: jsonwebtoken read "3600"
// as 3.6 seconds from a string and as an hour from a number, and either guess could be wrong.
func TestJWTExpiresInAsTheNodePlatformWroteIt(t *testing.T) {
	for _, tc := range []struct {
		value string
		want  time.Duration
	}{
		{"7d", 7 * 24 * time.Hour},
		{"7D", 7 * 24 * time.Hour},
		{"1w", 7 * 24 * time.Hour},
		{"2 weeks", 14 * 24 * time.Hour},
		{"7 days", 7 * 24 * time.Hour},
		{"1 day", 24 * time.Hour},
		{"1.5d", 36 * time.Hour},
		{"12 hours", 12 * time.Hour},
		{"12hrs", 12 * time.Hour},
		{"2.5 hrs", 150 * time.Minute},
		{"30 mins", 30 * time.Minute},
		{"90 minutes", 90 * time.Minute},
		{"3600s", time.Hour},
		{"3600 seconds", time.Hour},
		{"1h30m", 90 * time.Minute},
	} {
		t.Run(tc.value, func(t *testing.T) {
			cfg, _, err := Load(env(map[string]string{"JWT_EXPIRES_IN": tc.value}))
			if err != nil {
				t.Fatal(err)
			}
			if got := cfg.JWTExpiresIn.Std(); got != tc.want {
				t.Fatalf("%s, want %s", got, tc.want)
			}
		})
	}
	for _, value := range []string{"3600", "7 fortnights", "-1d", "d", "1.5.5d"} {
		t.Run("refused "+value, func(t *testing.T) {
			_, _, err := Load(env(map[string]string{"JWT_EXPIRES_IN": value}))
			if err == nil || !strings.Contains(err.Error(), "JWT_EXPIRES_IN:") {
				t.Fatalf("want an error naming JWT_EXPIRES_IN, got %v", err)
			}
		})
	}
}
