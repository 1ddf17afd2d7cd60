package webhook

import (
	"context"
	"fmt"
	"testing"
)

// The processor's memory of business-scoped user ids (BSUID → wa_id, and whether the tenant
// was taught it) is bounded: since 2026 every messages webhook names both ids, and the two
// maps it kept gained an entry per user for the life of the process. A user seen lately is
// still answered from memory (no tenant call: the client here is nil), and an alias that
// changed (the user's new number under the same BSUID) is taught to the tenant again —
// before, a user was taught once per process, so the tenant kept the old number.
func TestAliasMemoryIsBoundedAndTeachesChanges(t *testing.T) {
	p := &Processor{}
	ctx := context.Background()
	var teach []teaching
	key := func(waID, userID string) string {
		k, err := p.contactKey(ctx, "t1", waID, userID, &teach)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	for i := range 3 * aliasGeneration {
		key(fmt.Sprintf("55119%08d", i), fmt.Sprintf("BR.%d", i))
	}
	if n := p.aliases.size(); n > 2*aliasGeneration {
		t.Fatalf("%d aliases remembered, want at most %d", n, 2*aliasGeneration)
	}
	last := 3*aliasGeneration - 1
	if got, want := key("", fmt.Sprintf("BR.%d", last)), fmt.Sprintf("55119%08d", last); got != want {
		t.Fatalf("recent user keyed %q, want %q", got, want)
	}

	teach = nil
	key("5511900000001", "BR.moved")
	key("5511900000001", "BR.moved")
	key("5511900000002", "BR.moved") // the same user on a new number
	if len(teach) != 2 {
		t.Fatalf("%d teachings, want 2 (the alias, then its change)", len(teach))
	}
	if got := key("", "BR.moved"); got != "5511900000002" {
		t.Fatalf("moved user keyed %q", got)
	}
}
