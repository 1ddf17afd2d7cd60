// Package httpx is the REST edge's shared vocabulary: the JSON envelope of API.md, the
// catalogue of stable error codes, strict request decoding, and the middleware chain.
// Handlers write through it so every answer, success or failure, has one shape.
package httpx
