package engine_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/switchboard/switchboard/engine/enginetest"
)

// Registrations of one email racing each other, written in other cases and with spaces, make
// one user: the others answer 409 conflict, on both stores (the store's unique key decides
// the race, past Register's look-up, which all of them pass).
func TestConcurrentRegistrationsOfOneEmail(t *testing.T) {
	for _, b := range enginetest.Backends {
		t.Run(string(b), func(t *testing.T) {
			n := enginetest.Start(t, enginetest.Options{Backend: b})
			n.Seed()
			tok := n.Login(demoEmail, demoPassword)
			spellings := []string{"race@example.com", "Race@Example.com", " RACE@EXAMPLE.COM", "race@EXAMPLE.com ",
				"rAce@example.com", "RACE@example.com", "race@Example.COM", "\trace@example.com"}
			statuses := make([]int, len(spellings))
			codes := make([]string, len(spellings))
			var wg sync.WaitGroup
			for i, email := range spellings {
				wg.Go(func() {
					r := n.Post("/api/v1/auth/register", tok, map[string]string{"email": email, "password": "Race-Pass-1", "name": "Racer"})
					statuses[i], codes[i] = r.Status, r.Code()
				})
			}
			wg.Wait()
			created := 0
			for i, s := range statuses {
				switch {
				case s == 201:
					created++
				case s != 409 || codes[i] != "conflict":
					t.Fatalf("%q: %d %s", spellings[i], s, codes[i])
				}
			}
			if created != 1 {
				t.Fatalf("%d registrations succeeded, want 1: %v", created, statuses)
			}
			if dir := snapshotDirectory(t, n); strings.Count(dir, " race@example.com ") != 1 {
				t.Fatalf("directory:\n%s", dir)
			}
			n.Login("race@example.com", "Race-Pass-1")
		})
	}
}
