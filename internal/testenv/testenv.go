// Package testenv finds the real servers tests run against. Tests never mock Redis or MongoDB:
// they read the server addresses from the environment (.ci/run exports them after starting
// Redis and FerretDB on loopback). Outside CI a missing server skips the test with a message
// saying how to provide it; in CI (CI=true) a missing server fails the test loudly.
package testenv

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
)

// Environment variables .ci/run exports.
const (
	MongoURIVar = "SWITCHBOARD_TEST_MONGODB_URI" // e.g. mongodb://127.0.0.1:37017/
	RedisURLVar = "SWITCHBOARD_TEST_REDIS_URL"   // e.g. redis://127.0.0.1:36379/0
)

// InCI reports whether the tests run under CI, where every dependency must be present.
func InCI() bool { return os.Getenv("CI") == "true" }

// MongoURI returns the MongoDB-wire server to test against, or skips/fails the test.
func MongoURI(t testing.TB) string {
	return require(t, MongoURIVar, "a MongoDB-wire server (FerretDB)")
}

// RedisURL returns the Redis server to test against, or skips/fails the test.
func RedisURL(t testing.TB) string { return require(t, RedisURLVar, "a Redis server") }

func require(t testing.TB, name, what string) string {
	t.Helper()
	v := os.Getenv(name)
	if v != "" {
		return v
	}
	if InCI() {
		t.Fatalf("%s is not set: CI must provide %s (see .ci/run)", name, what)
	}
	t.Skipf("%s is not set; run `make test-deps` or `bash .ci/run` to test against %s", name, what)
	return ""
}

// UniqueName returns prefix plus random hex, for databases and key prefixes that must not
// collide between tests or runs.
func UniqueName(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}
