package httpx

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// A member named twice in one object — in the same or another case, as the decoder matches
// names in any case — is a 400 naming it, not whichever copy the decoder kept: a proxy, log
// or validator reading the first would see another message than the one sent.
func TestDecodeJSONDuplicateMember(t *testing.T) {
	type body struct {
		AgentID string `json:"agentId"`
		Parts   []struct {
			Type  string         `json:"type"`
			Extra map[string]any `json:"extra"`
		} `json:"parts"`
	}
	for _, tc := range []struct {
		json, field string // field "" when the body must decode
	}{
		{`{"agentId":"a","agentId":"b"}`, "agentId"},
		{`{"agentId":"a","agentID":"b"}`, "agentID"},
		{`{"agentId":"a","AGENTID":"b"}`, "AGENTID"},
		{`{"agentId":"a","agent\u0049d":"b"}`, "agentId"},
		{`{"parts":[{"type":"x"},{"type":"y","Type":"z"}]}`, "parts[1].Type"},
		{`{"parts":[{"extra":{"k":1,"k":2}}]}`, "parts[0].extra.k"},
		{`{"parts":[{"extra":{"a":{"k":1},"b":[{"k":1},{"k":2,"k":3}]}}]}`, "parts[0].extra.b[1].k"},
		// The same name in different objects, or inside a string, is no duplicate.
		{`{"agentId":"a","parts":[{"type":"x","extra":{"agentId":"\"agentId\":1"}},{"type":"y"}]}`, ""},
		{`{"parts":[{"extra":{"k":{"k":{"k":1}}}}]}`, ""},
		// Past linearMembers names an object's names are kept in a map: the same answers.
		{`{"parts":[{"extra":` + manyMembers(40, "") + `}]}`, ""},
		{`{"parts":[{"extra":` + manyMembers(40, "m3") + `}]}`, "parts[0].extra.m3"},
		{`{"parts":[{"extra":` + manyMembers(10, "m3") + `}]}`, "parts[0].extra.m3"},
		// A map keeps its keys as sent: names that differ in case are two members, whatever
		// their number; a struct's are one.
		{`{"parts":[{"extra":{"screen":1,"Screen":2}}]}`, ""},
		{`{"parts":[{"extra":` + manyMembers(40, "M3") + `}]}`, ""},
		{`{"parts":[{"type":"x","extra":{},"TYPE":"y"}]}`, "parts[0].TYPE"},
	} {
		var dst body
		err := decodeString(tc.json, &dst)
		if tc.field == "" {
			if err != nil {
				t.Errorf("%s: %v, want it decoded", tc.json, err)
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Code != CodeValidation || len(e.Details) != 1 || e.Details[0].Field != tc.field {
			t.Errorf("%s: %+v, want validation_failed naming %s", tc.json, err, tc.field)
		}
	}
}

// manyMembers is an object of n members m0…, then dup when set.
func manyMembers(n int, dup string) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		fmt.Fprintf(&b, "%q:%d,", "m"+strconv.Itoa(i), i)
	}
	if dup != "" {
		fmt.Fprintf(&b, "%q:0,", dup)
	}
	return strings.TrimSuffix(b.String(), ",") + "}"
}

// sendTemplate is the shape of a send-template body, for the scan's allocation test.
type sendTemplate struct {
	ConversationID string `json:"conversationId"`
	TemplateName   string `json:"templateName"`
	Language       string `json:"language"`
	Components     []struct {
		Type       string `json:"type"`
		Parameters []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		} `json:"parameters"`
	} `json:"components"`
}

// The scan runs on every JSON body the API takes: a send's body costs it no allocation.
func TestDuplicateMemberScanAllocatesNothing(t *testing.T) {
	typ := reflect.TypeFor[*sendTemplate]()
	body := []byte(`{"conversationId":"t1_5511987654321","templateName":"order_shipped","language":"pt_BR",` +
		`"components":[{"type":"body","parameters":[{"type":"text","text":"Ana"},{"type":"text","text":"#1234"}]}]}`)
	if allocs := testing.AllocsPerRun(100, func() {
		if _, dup := duplicateMember(body, typ); dup {
			t.Fatal("a duplicate in a body with none")
		}
	}); allocs != 0 {
		t.Fatalf("%v allocations per body, want 0", allocs)
	}
}

// A body that is not UTF-8 is refused (RFC 8259 §8.1), not decoded with its bad bytes
// replaced by U+FFFD: the replacement would be sent to the customer as the message.
func TestDecodeJSONInvalidUTF8(t *testing.T) {
	var dst struct {
		Body string `json:"body"`
	}
	for _, s := range []string{"{\"body\":\"caf\xe9\"}", "{\"body\":\"\xff\xfe\"}", "{\"b\xffody\":\"x\"}"} {
		err := decodeString(s, &dst)
		var e *Error
		if !errors.As(err, &e) || e.Code != CodeInvalidJSON {
			t.Errorf("%q: %+v (body %q), want invalid_json", s, err, dst.Body)
		}
	}
	if err := decodeString(`{"body":"café ☕ 🎉"}`, &dst); err != nil || dst.Body != "café ☕ 🎉" {
		t.Errorf("UTF-8 body: %v %q", err, dst.Body)
	}
}
