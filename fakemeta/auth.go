package fakemeta

import "github.com/switchboard/switchboard/transport/graph"

// authorize checks that tok may act on objectID, which belongs to wabaID ("" when the
// object does not exist). Like Meta it first judges the token itself (missing → 104,
// unknown/expired/revoked → 190 with HTTP 401), then answers a missing object and a
// forbidden one identically (100/33), so a tenant's token learns nothing about another
// tenant's numbers.
func (s *Server) authorize(tok, method, objectID, wabaID string) *graph.APIError {
	if tok == "" {
		return plainError(400, 104, 0, "An access token is required to request this resource.")
	}
	s.mu.RLock()
	t, ok := s.tokens[tok]
	var dead int
	var granted bool
	if ok {
		dead, granted = t.deadSubcode, t.wabas[wabaID]
	}
	s.mu.RUnlock()
	switch {
	case !ok:
		return tokenError(0)
	case dead != 0:
		return tokenError(dead)
	case wabaID == "" || !granted:
		return noSuchObject(method, objectID)
	}
	return nil
}

// wabaOf is the WABA an id belongs to: the id itself for a WABA, the owner for a number.
func (s *Server) wabaOf(id string) (wabaID string, isNumber bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if n, ok := s.numbers[id]; ok {
		return n.wabaID, true
	}
	if _, ok := s.wabas[id]; ok {
		return id, false
	}
	return "", false
}
