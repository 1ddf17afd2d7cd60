package graph

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// TemplatePageSize is how many templates ListTemplates asks for per page.
const TemplatePageSize = 100

// ListTemplates reads one page of the WABA's templates, starting after the cursor after
// ("" for the first page). The caller follows Paging.Next (passing Paging.Cursors.After)
// until it is absent, pacing itself: these calls count against the 200/h WABA budget.
func (c *Client) ListTemplates(ctx context.Context, token, wabaID, after string) (*TemplatesPage, error) {
	q := url.Values{"fields": {TemplateFields}, "limit": {strconv.Itoa(TemplatePageSize)}}
	if after != "" {
		q.Set("after", after)
	}
	var out TemplatesPage
	k := call{method: "GET", path: url.PathEscape(wabaID) + "/message_templates", query: q, token: token, out: &out}
	if err := c.do(ctx, k); err != nil {
		return nil, err
	}
	if out.Data == nil {
		// Not "no templates" (that is "data":[]): a sync would remove every one.
		return nil, incomplete(k.op(), "data")
	}
	return &out, nil
}

// PhoneNumber reads the number's fields (PhoneNumberFields when none are given).
func (c *Client) PhoneNumber(ctx context.Context, token, phoneNumberID string, fields ...string) (*PhoneNumber, error) {
	f := PhoneNumberFields
	if len(fields) > 0 {
		f = strings.Join(fields, ",")
	}
	var out PhoneNumber
	q := url.Values{"fields": {f}}
	if err := c.do(ctx, call{method: "GET", path: url.PathEscape(phoneNumberID), query: q, token: token, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// HealthStatus is the pre-flight check of the number: can it send, and if not, which
// entity (number, WABA, business, app) blocks it.
func (c *Client) HealthStatus(ctx context.Context, token, phoneNumberID string) (*HealthStatusResponse, error) {
	var out HealthStatusResponse
	q := url.Values{"fields": {"health_status"}}
	if err := c.do(ctx, call{method: "GET", path: url.PathEscape(phoneNumberID), query: q, token: token, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// PhoneNumbers lists the WABA's numbers (coexistence onboarding returns no
// phone_number_id, so the engine finds it here).
func (c *Client) PhoneNumbers(ctx context.Context, token, wabaID string) (*PhoneNumbersPage, error) {
	var out PhoneNumbersPage
	if err := c.do(ctx, call{method: "GET", path: url.PathEscape(wabaID) + "/phone_numbers", token: token, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteMedia deletes an uploaded file from Meta (before its 30 days are up).
func (c *Client) DeleteMedia(ctx context.Context, token, mediaID string) error {
	var out struct {
		Success bool `json:"success"`
	}
	if err := c.do(ctx, call{method: "DELETE", path: url.PathEscape(mediaID), token: token, out: &out}); err != nil {
		return err
	}
	if !out.Success {
		return fmt.Errorf("graph: DELETE /%s answered success false", mediaID)
	}
	return nil
}

// MediaURL resolves a media id to its short-lived download URL.
func (c *Client) MediaURL(ctx context.Context, token, mediaID string) (*MediaURL, error) {
	var out MediaURL
	if err := c.do(ctx, call{method: "GET", path: url.PathEscape(mediaID), token: token, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}
