package engine_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	json "github.com/goccy/go-json"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/engine/enginetest"
	"github.com/switchboard/switchboard/persistence/mongo"
)

// crashGap says where the messages of one user that a crash test misses are: those the
// conversation shows, and on MongoDB the user's inbox entries still pending and what the
// conversation's snapshot and buckets hold. A timed-out wait then tells a lost message
// (absent from all), a replay that never came (pending) and a count that disagrees with the
// buckets apart.
func crashGap(t *testing.T, c *enginetest.Client, admin, conv, waID, uri, db string) string {
	t.Helper()
	var b strings.Builder
	r := c.Get("/api/v1/messages/"+conv+"?limit=100", admin)
	var shown []struct {
		WAMID string `json:"wamid"`
	}
	if r.Status == 200 {
		r.Data(t, &shown)
	}
	fmt.Fprintf(&b, "\nshown (%d): %v", len(shown), wamids(shown))
	if uri == "" {
		return b.String()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := mongo.Open(ctx, uri, db)
	if err != nil {
		return b.String() + "\nstore: " + err.Error()
	}
	defer func() { _ = s.Close(context.Background()) }()
	var pending []string
	for after := ""; ; {
		page, err := s.Inbox().Pending(ctx, after, 256)
		if err != nil {
			return b.String() + "\npending: " + err.Error()
		}
		for _, e := range page {
			if bytes.Contains(e.Body, []byte(`"wa_id":"`+waID+`"`)) {
				pending = append(pending, e.ID+" "+wamidOf(e.Body)+" received "+e.ReceivedAt.Format(time.RFC3339Nano))
			}
		}
		if len(page) < 256 {
			break
		}
		after = page[len(page)-1].ID
	}
	fmt.Fprintf(&b, "\npending inbox entries of %s: %v", waID, pending)
	tenantID, key, _ := actors.ParseConversationID(conv)
	identity := tenantID + "/" + key
	snap, err := s.Snapshots().Load(ctx, actors.KindConversation, identity)
	if err != nil {
		return b.String() + "\nsnapshot: " + err.Error()
	}
	var st struct {
		Summary struct {
			MessageCount int `json:"messageCount"`
		} `json:"summary"`
	}
	_ = json.Unmarshal(snap.Data, &st)
	fmt.Fprintf(&b, "\nsnapshot version %d epoch %d: %s", snap.Version, snap.Epoch, snap.Data)
	for seq := 0; seq*actors.BucketSize < st.Summary.MessageCount+actors.BucketSize; seq++ {
		bk, err := s.Buckets().Get(ctx, identity, seq)
		if err != nil {
			fmt.Fprintf(&b, "\nbucket %d: %v", seq, err)
			break
		}
		var msgs []struct {
			WAMID     string    `json:"wamid"`
			CreatedAt time.Time `json:"createdAt"`
		}
		_ = json.Unmarshal(bk.Data, &msgs)
		fmt.Fprintf(&b, "\nbucket %d (count %d, updated %s): %v", seq, bk.Count, bk.UpdatedAt.Format(time.RFC3339Nano), wamids(msgs))
	}
	return b.String()
}

func wamids[M any](ms []M) []string {
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		b, _ := json.Marshal(m)
		var w struct {
			WAMID string `json:"wamid"`
		}
		_ = json.Unmarshal(b, &w)
		out = append(out, w.WAMID)
	}
	slices.Sort(out)
	return out
}

func wamidOf(body []byte) string {
	_, rest, _ := bytes.Cut(body, []byte(`"id":"wamid.`))
	id, _, _ := bytes.Cut(rest, []byte(`"`))
	return "wamid." + string(id)
}
