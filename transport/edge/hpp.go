package edge

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/httpx"
)

// HPP rejects HTTP parameter pollution: a query parameter given more than once answers
// 400 duplicate_parameter, with one detail per repeated name. Names in allowList may
// repeat (a filter taking several values).
//
// Rejecting, where Express's hpp keeps the last value, is deliberate. Layers disagree on
// which copy counts: fasthttp's Peek returns the first, Express the last, a WAF or proxy
// may check either. "?role=agent&role=platform_admin" can then pass a check on one copy
// and act on the other. A 400 leaves nothing to disagree on and tells the client about its
// bug; silently picking one copy hides it.
//
// Only the query string is checked: request bodies are JSON, where the decoder governs.
func HPP(allowList ...string) httpx.Middleware {
	allowed := make(map[string]bool, len(allowList))
	for _, name := range allowList {
		allowed[name] = true
	}
	return func(next fasthttp.RequestHandler) fasthttp.RequestHandler {
		return func(ctx *fasthttp.RequestCtx) {
			if dups := duplicateParams(ctx.QueryArgs(), allowed); len(dups) > 0 {
				details := make([]httpx.Detail, len(dups))
				for i, d := range dups {
					details[i] = httpx.Detail{Field: d.name, Message: fmt.Sprintf("given %d times; give it once", d.count)}
				}
				httpx.Fail(ctx, httpx.NewError(http.StatusBadRequest, httpx.CodeDuplicateParam,
					"Query parameter "+quoteNames(dups)+" given more than once", details...))
				return
			}
			next(ctx)
		}
	}
}

type duplicate struct {
	name  string
	count int
}

// duplicateParams lists repeated names in order of first appearance. Query strings are
// short, but a hostile one may hold thousands of names: counting goes through a map, so
// the cost stays linear.
func duplicateParams(args *fasthttp.Args, allowed map[string]bool) []duplicate {
	if args.Len() < 2 {
		return nil
	}
	counts := make(map[string]int, args.Len())
	var order []string
	for k := range args.All() {
		name := string(k)
		if allowed[name] {
			continue
		}
		counts[name]++
		if counts[name] == 2 {
			order = append(order, name)
		}
	}
	dups := make([]duplicate, len(order))
	for i, name := range order {
		dups[i] = duplicate{name: name, count: counts[name]}
	}
	return dups
}

func quoteNames(dups []duplicate) string {
	names := make([]string, len(dups))
	for i, d := range dups {
		names[i] = fmt.Sprintf("%q", d.name)
	}
	return strings.Join(names, ", ")
}
