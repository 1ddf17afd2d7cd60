package ids

import "testing"

func TestMonotonicAndValid(t *testing.T) {
	g := NewGenerator()
	prev := ""
	for range 100000 {
		id := g.New()
		if !Valid(id) {
			t.Fatalf("invalid id %q", id)
		}
		if id <= prev {
			t.Fatalf("not increasing: %q after %q", id, prev)
		}
		prev = id
	}
	for _, bad := range []string{"", "xyz", "0123456789abcdef0123456G", "0123456789ABCDEF01234567"} {
		if Valid(bad) {
			t.Errorf("Valid(%q)", bad)
		}
	}
}
