package graph

import (
	"context"
	"testing"
)

// A 2xx whose JSON lacks what makes it the answer (a proxy's "{}", an answer to another
// call) is not a success: an upload without a media id handed the API client an empty id,
// and a template page without "data" read as "the WABA has no templates", so a sync
// removed every template the tenant had.
func TestClientAnswersWithoutTheirField(t *testing.T) {
	g := startGraphServer(t)
	c := newTestClient(t, g.url)
	upload := func() error {
		_, err := c.UploadMedia(context.Background(), tokenA, pnID, MediaUpload{Filename: "a.pdf", MIMEType: "application/pdf", Data: []byte("%PDF-1.4")})
		return err
	}
	list := func() error {
		_, err := c.ListTemplates(context.Background(), tokenA, wabaID, "")
		return err
	}
	cases := []struct {
		name string
		body string
		call func() error
		ok   bool
	}{
		{"upload without id", `{}`, upload, false},
		{"upload with empty id", `{"id":""}`, upload, false},
		{"upload with id", `{"id":"1037543291543636"}`, upload, true},
		{"template page without data", `{}`, list, false},
		{"template page with null data", `{"data":null}`, list, false},
		{"template page with no templates", `{"data":[],"paging":{"cursors":{"before":"","after":""}}}`, list, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g.reply(200, []byte(tc.body))
			err := tc.call()
			if (err == nil) != tc.ok {
				t.Fatalf("%s answered: err %v, want ok %v", tc.body, err, tc.ok)
			}
		})
	}
}
