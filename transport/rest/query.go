package rest

import (
	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/persistence"
	"github.com/switchboard/switchboard/transport/httpx"
)

// pageOf reads ?page= (1..persistence.MaxPage, default 1) and ?limit= (1..100, default 20); out-of-range or
// non-numeric values are a 400 naming the parameter, never silently clamped.
func pageOf(ctx *fasthttp.RequestCtx) (persistence.Page, error) {
	p, details := pageDetails(ctx)
	if len(details) > 0 {
		return p, httpx.Validation(details...)
	}
	return p, nil
}

// pageDetails is pageOf with its complaints, for handlers that check more parameters.
func pageDetails(ctx *fasthttp.RequestCtx) (persistence.Page, []httpx.Detail) {
	p := persistence.Page{Page: 1, Limit: 20}
	var details []httpx.Detail
	if v := ctx.QueryArgs().Peek("page"); v != nil {
		n, err := fasthttp.ParseUint(v) // digits only: "+5", " 5" and "5.0" are refused, as Atoi did not
		if err != nil || n < 1 || n > persistence.MaxPage {
			details = append(details, httpx.Detail{Field: "page", Message: "must be a whole number from 1 to 10,000,000"})
		}
		p.Page = n
	}
	if v := ctx.QueryArgs().Peek("limit"); v != nil {
		n, err := fasthttp.ParseUint(v)
		if err != nil || n < 1 || n > 100 {
			details = append(details, httpx.Detail{Field: "limit", Message: "must be a whole number from 1 to 100"})
		}
		p.Limit = n
	}
	return p, details
}
