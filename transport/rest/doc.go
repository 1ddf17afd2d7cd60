// Package rest is the /api/v1 REST surface: the router, authentication, the handlers, and
// the mapping from domain errors to the stable codes of httpx. Handlers are thin: decode,
// call the domain (accounts, and later the actors' client), write the envelope.
package rest
