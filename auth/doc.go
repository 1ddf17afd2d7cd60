// Package auth is who a caller is and what it may touch: bcrypt password hashes, HS256 API
// tokens, the Principal a verified token yields, and the tenant-isolation policy. Every
// handler asks the policy here; no handler compares tenant ids itself.
package auth
