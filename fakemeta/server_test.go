package fakemeta

import "testing"

// Regression: Close right after Start used to wait forever when the Serve goroutine had not
// yet registered its listener with fasthttp (fasthttp closes only listeners it knows).
func TestCloseRightAfterStart(t *testing.T) {
	for range 20 {
		s := New(Config{})
		if err := s.Start(""); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
