// Package config is Switchboard's one typed configuration. Every setting is a field of Config
// with its environment variable, default and documentation in struct tags beside it; the
// loader, `switchboard serve --help` and .env.example are all generated from those tags, so
// they cannot drift apart. Validation lives in validate.go.
package config
