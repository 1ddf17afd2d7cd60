// Package accounts is the directory's domain logic: logging in, registering users within the
// role rules, creating and listing tenants, resolving a token to a live principal, and
// seeding the demo data. Authorisation decisions come from package auth; storage from
// persistence.Directory. The REST edge calls it and maps its errors to API answers.
package accounts
