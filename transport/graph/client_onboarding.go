package graph

import (
	"context"
	"net/url"
)

// ExchangeCode trades an Embedded Signup code (valid 30 s, single use) for the business
// token. No redirect_uri is sent: with one, Meta rejects codes from the JS SDK popup.
// The app secret travels in the query as Meta requires; errors never include the query.
func (c *Client) ExchangeCode(ctx context.Context, appID, appSecret, code string) (*AccessToken, error) {
	var out AccessToken
	q := url.Values{"client_id": {appID}, "client_secret": {appSecret}, "code": {code}}
	if err := c.do(ctx, call{method: "GET", path: "oauth/access_token", query: q, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// AppToken is the app access token "APP_ID|APP_SECRET" that debug_token is called with.
func AppToken(appID, appSecret string) string { return appID + "|" + appSecret }

// DebugToken describes inputToken (validity, scopes, granted WABAs), asked with the app's
// token (see AppToken). An invalid inputToken is not an error: Data.IsValid is false.
func (c *Client) DebugToken(ctx context.Context, appToken, inputToken string) (*DebugToken, error) {
	var out DebugToken
	q := url.Values{"input_token": {inputToken}}
	if err := c.do(ctx, call{method: "GET", path: "debug_token", query: q, token: appToken, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// SubscribeApp subscribes our app to the tenant's WABA webhooks; without it real messages
// never arrive. override, when set, gives the WABA its own callback URL. Idempotent.
func (c *Client) SubscribeApp(ctx context.Context, token, wabaID string, override *SubscribedAppsOverride) error {
	k := call{method: "POST", path: url.PathEscape(wabaID) + "/subscribed_apps", token: token}
	if override != nil {
		k.body = override
	}
	return c.success(ctx, k)
}

// SubscribedApps lists the apps subscribed to the WABA.
func (c *Client) SubscribedApps(ctx context.Context, token, wabaID string) (*SubscribedApps, error) {
	var out SubscribedApps
	if err := c.do(ctx, call{method: "GET", path: url.PathEscape(wabaID) + "/subscribed_apps", token: token, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// RegisterPhone registers the number for Cloud API with its two-step PIN. Not freely
// retryable: Meta allows few attempts (133016), so callers retry only transient classes.
func (c *Client) RegisterPhone(ctx context.Context, token, phoneNumberID, pin string) error {
	body := &RegisterRequest{MessagingProduct: MessagingProduct, Pin: pin}
	return c.success(ctx, call{method: "POST", path: url.PathEscape(phoneNumberID) + "/register", token: token, body: body})
}
