// Package edge holds the middleware every REST request passes through before a handler:
// request ids, access logs, panic recovery, security headers, CORS, duplicate-parameter
// (HPP) rejection, body limits, rate limits and Prometheus metrics, plus bounds on open
// connections (LimitConns) and the fasthttp.Server error handler so even requests fasthttp itself refuses answer in the
// JSON envelope of httpx.
//
// The middlewares wrap the router's handler, so one order serves every route:
//
//	h := httpx.Chain(r.Handler,
//		edge.RequestID(),          // first: every later line and answer carries the id
//		edge.AccessLog(logger),    // sees the final status, 500s from panics included
//		metrics.Middleware(),      // likewise
//		edge.Recover(logger),      // turns panics below into 500 answers
//		edge.SecurityHeaders(),    // set before the handler, kept on every answer
//		edge.CORS(origins),        // answers preflights; CORS headers on 4xx too
//		edge.BodyLimit(1<<20),
//		edge.HPP("status"),
//		edge.RateLimit(limiter, apiRule, edge.KeyByIP(proxyHops)),
//	)
//	srv := &fasthttp.Server{Handler: h, MaxRequestBodySize: 4 << 20, ReadTimeout: 30 * time.Second,
//		Concurrency: 16_000}
//	edge.ConfigureServer(srv, logger) // no Server header; fasthttp's own errors in JSON
//	edge.LimitBodyMemory(srv, 256<<20) // bodies in flight together; after Handler and HeaderReceived
//	srv.Serve(edge.LimitConns(ln, edge.ConnLimits{Total: srv.Concurrency, PerIP: 512}, logger))
//
// LimitConns bounds the connections themselves, before any request is read: one address
// cannot hold every connection, and connections past a bound are answered in the envelope
// too (fasthttp's own refusal is plain text). LimitBodyMemory bounds what the bodies of all
// connections hold together: fasthttp makes room for a body's declared length before it
// reads a byte of it.
//
// with the router built with SaveMatchedRoutePath = true, so logs and metrics carry the
// route pattern (Route), and edge.NotFound and edge.MethodNotAllowed as its fallbacks.
// Example shows the whole wiring.
package edge
