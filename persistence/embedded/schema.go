package embedded

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

	// bucketJournal holds the journal generation of the file's last checkpoint (journal.go);
	// every file has one.
	bucketJournal = "journal"
)

// stateBuckets are the buckets of the main file; inboxBuckets and outboxBuckets those of
// the inbox and outbox files.
func stateBuckets() []string {
	return []string{
		bucketUsers, bucketUsersByEmail, bucketUsersOrder, bucketUsersByTenant,
		bucketTenants, bucketTenantsByPhone, bucketTenantsOrder,
		bucketSnapshots, bucketBuckets, bucketJournal,
	}
}

func outboxBuckets() []string {
	return []string{bucketOutbox, bucketOutboxByState, bucketJournal}
}

func inboxBuckets() []string {
	return []string{bucketInbox, bucketInboxPending, bucketDeadLetters, bucketJournal}
}

// fillPercent is how full bbolt packs a page it splits. Its default (half) suits random
// inserts; our keys mostly grow at the end (ids and inbox keys sort by time, buckets by
// sequence) and hot rows are rewritten in place, so half-empty pages only meant more pages
// rewritten per commit: every commit copies each page it touches.
const fillPercent = 0.9
