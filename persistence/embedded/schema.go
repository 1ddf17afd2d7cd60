package embedded

import bolt "go.etcd.io/bbolt"

// Bucket names. Collections hold documents by id; the others are indexes kept in step with
// their collection inside the same transaction.
const (
	bucketUsers         = "users"
	bucketUsersByEmail  = "users_by_email"  // lower-cased email → user id
	bucketUsersOrder    = "users_order"     // createdAt|id → nil (ListUsers, all)
	bucketUsersByTenant = "users_by_tenant" // tenantID\0createdAt|id → nil

	bucketTenants        = "tenants"
	bucketTenantsByPhone = "tenants_by_phone" // phoneNumberID → tenant id
	bucketTenantsOrder   = "tenants_order"    // createdAt|id → nil

	bucketSnapshots = "snapshots" // kind\0identity → snapshot
	bucketBuckets   = "buckets"   // conversation\0seq → bucket

	bucketInbox        = "inbox"         // id → entry
	bucketInboxPending = "inbox_pending" // id → nil, only unprocessed entries
	bucketDeadLetters  = "dead_letters"  // id → dead letter

	bucketOutbox        = "outbox"          // id → message
	bucketOutboxByState = "outbox_by_state" // tenantID\0state\0createdAt|id → nil
)

// stateBuckets are the buckets of the main file; inboxBuckets and outboxBuckets those of
// the inbox and outbox files.
func stateBuckets() []string {
	return []string{
		bucketUsers, bucketUsersByEmail, bucketUsersOrder, bucketUsersByTenant,
		bucketTenants, bucketTenantsByPhone, bucketTenantsOrder,
		bucketSnapshots, bucketBuckets,
	}
}

func outboxBuckets() []string {
	return []string{bucketOutbox, bucketOutboxByState}
}

func inboxBuckets() []string {
	return []string{bucketInbox, bucketInboxPending, bucketDeadLetters}
}

// fillPercent is how full bbolt packs a page it splits. Its default (half) suits random
// inserts; our keys mostly grow at the end (ids and inbox keys sort by time, buckets by
// sequence) and hot rows are rewritten in place, so half-empty pages only meant more pages
// rewritten per commit: every commit copies each page it touches.
const fillPercent = 0.9

// bucket returns the named bucket; Open created them all, so it is never nil.
func bucket(tx *bolt.Tx, name string) *bolt.Bucket {
	b := tx.Bucket([]byte(name))
	b.FillPercent = fillPercent
	return b
}
