package embedded

// Bucket names. Collections hold documents by id; the others are indexes kept in step with
// their collection inside the same transaction.
var (
	bucketUsers         = []byte("users")
	bucketUsersByEmail  = []byte("users_by_email")  // lower-cased email → user id
	bucketUsersOrder    = []byte("users_order")     // createdAt|id → nil (ListUsers, all)
	bucketUsersByTenant = []byte("users_by_tenant") // tenantID\0createdAt|id → nil

	bucketTenants        = []byte("tenants")
	bucketTenantsByPhone = []byte("tenants_by_phone") // phoneNumberID → tenant id
	bucketTenantsOrder   = []byte("tenants_order")    // createdAt|id → nil

	bucketSnapshots = []byte("snapshots") // kind\0identity → snapshot
	bucketBuckets   = []byte("buckets")   // conversation\0seq → bucket

	bucketInbox        = []byte("inbox")         // id → entry
	bucketInboxPending = []byte("inbox_pending") // id → nil, only unprocessed entries
	bucketDeadLetters  = []byte("dead_letters")  // id → dead letter

	bucketOutbox        = []byte("outbox")          // id → message
	bucketOutboxByState = []byte("outbox_by_state") // tenantID\0state\0createdAt|id → nil
)

var allBuckets = [][]byte{
	bucketUsers, bucketUsersByEmail, bucketUsersOrder, bucketUsersByTenant,
	bucketTenants, bucketTenantsByPhone, bucketTenantsOrder,
	bucketSnapshots, bucketBuckets,
	bucketInbox, bucketInboxPending, bucketDeadLetters,
	bucketOutbox, bucketOutboxByState,
}
