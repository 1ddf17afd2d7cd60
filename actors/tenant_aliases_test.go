package actors

import (
	"strconv"
	"testing"
)

// A tenant learns every user's business-scoped id → wa_id alias, however many it has seen:
// past a generation of aliasGeneration, the older generation is dropped, not the newcomer.
// Before, learning stopped at maxAliases, so a business-scoped-id-only message from the
// 100,001st user opened a second conversation. Aliases seen (learnt or looked up) in the
// current generation outlive a rotation; the state never holds more than maxAliases.
func TestAliasesKeepTheRecentlySeen(t *testing.T) {
	s := newTenantState()
	for i := range aliasGeneration {
		s.learnAlias("US."+strconv.Itoa(i), strconv.Itoa(i))
	}
	if _, moved := s.aliasOf("US.7"); moved {
		t.Fatal("an alias of the current generation moved")
	}
	// The generation is full: the next alias starts a new one, the first becomes the old.
	if !s.learnAlias("US.new", "5511987654321") || s.Aliases["US.new"] != "5511987654321" {
		t.Fatal("alias not learned past a full generation")
	}
	if waID, moved := s.aliasOf("US.7"); waID != "7" || !moved {
		t.Fatalf("an alias of the old generation: %q, moved %v", waID, moved)
	}
	for i := range aliasGeneration - 2 { // fills the new generation: US.new, US.7 and these
		s.learnAlias("BR."+strconv.Itoa(i), strconv.Itoa(i))
	}
	if len(s.Aliases)+len(s.OldAliases) > maxAliases {
		t.Fatalf("%d aliases kept, more than %d", len(s.Aliases)+len(s.OldAliases), maxAliases)
	}
	s.learnAlias("BR.next", "5511900000000") // a third generation begins
	for id, want := range map[string]string{"US.7": "7", "US.new": "5511987654321", "BR.0": "0", "US.8": ""} {
		if got, _ := s.aliasOf(id); got != want {
			t.Errorf("%s: %q, want %q", id, got, want)
		}
	}
}

// A snapshot keeps both generations; one from before OldAliases decodes with its aliases
// as the current generation.
func TestAliasGenerationsInSnapshots(t *testing.T) {
	var old TenantState
	if err := unmarshal([]byte(`{"templates":{},"recent":[],"aliases":{"US.1":"1"}}`), &old); err != nil {
		t.Fatal(err)
	}
	if waID, moved := old.aliasOf("US.1"); waID != "1" || moved {
		t.Fatalf("old snapshot alias %q, moved %v", waID, moved)
	}
	s := TenantState{Aliases: map[string]string{"US.2": "2"}, OldAliases: map[string]string{"US.1": "1"}}
	data, err := marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var back TenantState
	if err := unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if back.Aliases["US.2"] != "2" || back.OldAliases["US.1"] != "1" {
		t.Fatalf("round trip: %+v / %+v", back.Aliases, back.OldAliases)
	}
}
