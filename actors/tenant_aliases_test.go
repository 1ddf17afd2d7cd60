package actors

import (
	"bytes"
	"fmt"
	"maps"
	"strconv"
	"testing"
)

// A shard learns every user's business-scoped id → wa_id alias, however many it has seen:
// past a generation of shardGeneration, the older generation is dropped, not the newcomer.
// Before, learning stopped at maxAliases, so a business-scoped-id-only message from the
// 100,001st user opened a second conversation. Aliases seen (learnt or looked up) in the
// current generation outlive a rotation; a shard never holds more than two generations.
func TestAliasesKeepTheRecentlySeen(t *testing.T) {
	var s aliasGenerations
	for i := range shardGeneration {
		s.learn("US."+strconv.Itoa(i), strconv.Itoa(i))
	}
	if _, moved := s.of("US.7"); moved {
		t.Fatal("an alias of the current generation moved")
	}
	// The generation is full: the next alias starts a new one, the first becomes the old.
	if !s.learn("US.new", "5511987654321") || s.Aliases["US.new"] != "5511987654321" {
		t.Fatal("alias not learned past a full generation")
	}
	if waID, moved := s.of("US.7"); waID != "7" || !moved {
		t.Fatalf("an alias of the old generation: %q, moved %v", waID, moved)
	}
	for i := range shardGeneration - 2 { // fills the new generation: US.new, US.7 and these
		s.learn("BR."+strconv.Itoa(i), strconv.Itoa(i))
	}
	if s.len() > 2*shardGeneration {
		t.Fatalf("%d aliases kept, more than %d", s.len(), 2*shardGeneration)
	}
	s.learn("BR.next", "5511900000000") // a third generation begins
	for id, want := range map[string]string{"US.7": "7", "US.new": "5511987654321", "BR.0": "0", "US.8": ""} {
		if got, _ := s.of(id); got != want {
			t.Errorf("%s: %q, want %q", id, got, want)
		}
	}
}

// The shards together keep at most maxAliases, and a tenant that learnt many more still knows
// the users it learnt last: every one of the last three quarters of a generation, and all but
// a few per cent of the last generation (a shard the hash filled faster than the average
// turned over a little sooner; one tenant-wide pair of generations kept exactly the last
// generation).
func TestTenantAliasesBoundTheTotal(t *testing.T) {
	var a tenantAliases
	const learnt = maxAliases + aliasGeneration
	for i := range learnt {
		_, sh := a.shard(fmt.Sprint("US.", i))
		sh.learn(fmt.Sprint("US.", i), strconv.Itoa(i))
	}
	if n := a.len(); n > maxAliases || n < aliasGeneration {
		t.Fatalf("%d aliases kept after %d learnt, want between %d and %d", n, learnt, aliasGeneration, maxAliases)
	}
	for i := range a {
		if a[i].len() > 2*shardGeneration {
			t.Fatalf("shard %d keeps %d, more than two generations of %d", i, a[i].len(), shardGeneration)
		}
	}
	forgotten := 0
	for i := learnt - aliasGeneration; i < learnt; i++ {
		userID := fmt.Sprint("US.", i)
		if _, sh := a.shard(userID); sh.Aliases[userID] == "" && sh.OldAliases[userID] == "" {
			if i >= learnt-aliasGeneration*3/4 {
				t.Fatalf("%s, among the last %d learnt, forgotten", userID, aliasGeneration*3/4)
			}
			forgotten++
		}
	}
	if forgotten > aliasGeneration/50 {
		t.Fatalf("%d of the last %d learnt forgotten, more than 2 %%", forgotten, aliasGeneration)
	}
}

// A user's shard is fixed forever: an alias saved in one shard is looked for there by every
// later activation, on any node and any build. These pin FNV-1a's values.
func TestShardOfIsStable(t *testing.T) {
	for _, tc := range []struct {
		userID string
		shard  int
	}{
		{"", 2166136261 % aliasShards},
		{"US.13491208655302741918", 62},
		{"BR.1234567890", 8},
	} {
		if got := shardOf(tc.userID); got != tc.shard {
			t.Errorf("shardOf(%q) = %d, want %d", tc.userID, got, tc.shard)
		}
	}
	if got := shardIdentity("t1", 7); got != "t1/007" {
		t.Errorf("shard identity %q", got)
	}
}

// A tenant snapshot written before the shards decodes its aliases beside the state (to be
// migrated); the state written now carries none. A shard keeps both generations.
func TestAliasGenerationsInSnapshots(t *testing.T) {
	var old storedTenant
	if err := unmarshal([]byte(`{"templates":{},"recent":[],"messagingTier":"TIER_10K","aliases":{"US.1":"1"},"oldAliases":{"US.0":"0"}}`), &old); err != nil {
		t.Fatal(err)
	}
	if old.Aliases["US.1"] != "1" || old.OldAliases["US.0"] != "0" || old.MessagingTier != "TIER_10K" {
		t.Fatalf("old snapshot decoded as %+v", old)
	}
	data, err := marshal(old.TenantState)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte("liases")) {
		t.Fatalf("the state written carries aliases: %s", data)
	}
	s := aliasGenerations{Aliases: map[string]string{"US.2": "2"}, OldAliases: map[string]string{"US.1": "1"}}
	if data, err = marshal(&s); err != nil {
		t.Fatal(err)
	}
	var back aliasGenerations
	if err := unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if back.Aliases["US.2"] != "2" || back.OldAliases["US.1"] != "1" {
		t.Fatalf("round trip: %+v / %+v", back.Aliases, back.OldAliases)
	}
}

// undo puts the generations back exactly as they were, whether learn wrote into the current
// generation, moved an alias out of the old one, or turned the generations over.
func TestUndoAliasRestoresBothGenerations(t *testing.T) {
	full := func() aliasGenerations {
		s := aliasGenerations{Aliases: map[string]string{}, OldAliases: map[string]string{"old": "w-old"}}
		for i := range shardGeneration {
			s.Aliases[fmt.Sprint("u", i)] = fmt.Sprint("w", i)
		}
		return s
	}
	small := func() aliasGenerations {
		return aliasGenerations{Aliases: map[string]string{"u1": "w1"}, OldAliases: map[string]string{"old": "w-old"}}
	}
	for _, tc := range []struct {
		name   string
		state  func() aliasGenerations
		change func(*aliasGenerations, string)
		user   string
	}{
		{"new user", small, func(s *aliasGenerations, u string) { s.learn(u, "w-new") }, "new"},
		{"changed number", small, func(s *aliasGenerations, u string) { s.learn(u, "w-changed") }, "u1"},
		{"from the old generation", small, func(s *aliasGenerations, u string) { s.of(u) }, "old"},
		{"turning the generations over", full, func(s *aliasGenerations, u string) { s.learn(u, "w-new") }, "new"},
		{"turning over for a changed number", full, func(s *aliasGenerations, u string) { s.learn(u, "w-changed") }, "u7"},
		{"first alias of an empty shard", func() aliasGenerations { return aliasGenerations{} }, func(s *aliasGenerations, u string) { s.learn(u, "w-new") }, "new"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.state()
			want := aliasGenerations{Aliases: maps.Clone(s.Aliases), OldAliases: maps.Clone(s.OldAliases)}
			undo := s.mark(tc.user)
			tc.change(&s, tc.user)
			if maps.Equal(s.Aliases, want.Aliases) && maps.Equal(s.OldAliases, want.OldAliases) {
				t.Fatal("the change changed nothing: the case tests nothing")
			}
			s.undo(undo)
			if !maps.Equal(s.Aliases, want.Aliases) || !maps.Equal(s.OldAliases, want.OldAliases) {
				t.Fatalf("after undo: %d current (want %d), old %v (want %v)", len(s.Aliases), len(want.Aliases), s.OldAliases, want.OldAliases)
			}
		})
	}
}
