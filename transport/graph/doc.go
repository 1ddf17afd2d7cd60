// Package graph holds the shapes of Meta's WhatsApp Cloud API as they cross the wire: the
// webhook payloads Meta posts, and (with the outbound pipeline) the request and response
// bodies of the Graph API. It decodes; it decides nothing. cmd/fakemeta uses the same types,
// so the stand-in and the engine cannot disagree about a field name.
package graph
