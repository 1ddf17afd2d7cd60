package actors

import (
	"fmt"
	"testing"
)

// fullTenantAliases is a tenant keeping aliases up to its bound: every shard's old generation
// full and its current one a single alias short, so the next alias of any shard is the last
// it takes before turning over (its biggest write). Ids are shaped like Meta's.
func fullTenantAliases(b *testing.B) *tenantAliases {
	b.Helper()
	a := new(tenantAliases)
	for i := 0; a.len() < maxAliases-aliasShards; i++ {
		userID := fmt.Sprintf("US.1349120865530%07d", i)
		_, sh := a.shard(userID)
		old := len(sh.OldAliases) < shardGeneration
		if !old && len(sh.Aliases) >= shardGeneration-1 {
			continue
		}
		sh.adopt(userID, fmt.Sprint(5511900000000+i), old)
	}
	return a
}

// BenchmarkLearnAlias is what a new customer's alias costs the tenant actor at 100,000 kept
// (less one a shard): marshalling what its save writes. "shard" is now (its shard, reported
// as shard-B); "tenant-snapshot-before" is what the tenant snapshot held before the shards
// (the same aliases in its "aliases" and "oldAliases" fields), marshalled whole for every
// new alias. The store's write of those bytes comes on top, and grows with them.
func BenchmarkLearnAlias(b *testing.B) {
	a := fullTenantAliases(b)
	b.Run("shard", func(b *testing.B) {
		var size, entries int
		i := 0
		for b.Loop() {
			userID := fmt.Sprintf("BR.9876543210%010d", i)
			i++
			_, sh := a.shard(userID)
			undo := sh.mark(userID)
			if !sh.learn(userID, "5511987654321") {
				b.Fatal("a new alias changed nothing")
			}
			data, err := marshal(&sh.aliasGenerations)
			if err != nil {
				b.Fatal(err)
			}
			size, entries = len(data), sh.len()
			sh.undo(undo) // the next alias finds the tenant as full as this one did
		}
		// Two full generations, each entry about 45 bytes of JSON: the figure is the one claimed.
		if entries != 2*shardGeneration || size < entries*40 || size > entries*60 {
			b.Fatalf("the shard written holds %d aliases in %d bytes, want %d at 40-60 bytes each", entries, size, 2*shardGeneration)
		}
		b.ReportMetric(float64(size), "shard-B")
	})
	b.Run("tenant-snapshot-before", func(b *testing.B) {
		old := storedTenant{TenantState: newTenantState()}
		for n := range a {
			old.adoptAll(&a[n].aliasGenerations)
		}
		if old.len() != maxAliases-aliasShards {
			b.Fatalf("the old snapshot holds %d aliases, want %d", old.len(), maxAliases-aliasShards)
		}
		var size int
		for b.Loop() {
			data, err := marshal(old)
			if err != nil {
				b.Fatal(err)
			}
			size = len(data)
		}
		b.ReportMetric(float64(size), "snapshot-B")
	})
}

// adoptAll puts every alias of a into both generations as they are in a.
func (a *aliasGenerations) adoptAll(from *aliasGenerations) {
	for userID, waID := range from.Aliases {
		a.adopt(userID, waID, false)
	}
	for userID, waID := range from.OldAliases {
		a.adopt(userID, waID, true)
	}
}
