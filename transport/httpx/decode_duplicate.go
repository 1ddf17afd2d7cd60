package httpx

import (
	"strconv"
	"strings"

	json "github.com/goccy/go-json"
)

// A member named twice in one object is refused rather than decided by the decoder, which
// keeps the last copy and matches names in any case: {"agentId": A, "agentID": B} assigned
// the conversation to B, and a gateway, audit log or validator that reads the first copy (as
// many JSON parsers do) would see another message than the one sent. The scan runs on a
// body the decoder accepted, so the JSON is well formed; it allocates only for object keys.

// duplicateMember returns the path of the first member given twice in one of body's objects,
// names compared as the decoder matches them (in any case), and whether there is one.
func duplicateMember(body []byte) (string, bool) {
	var stack []jsonFrame
	for i := 0; i < len(body); i++ {
		if len(stack) == 0 && body[i] != '{' && body[i] != '[' && body[i] != '"' {
			continue // whitespace or a scalar outside any object: nothing to compare
		}
		switch body[i] {
		case '{':
			stack = append(stack, jsonFrame{object: true, expectKey: true})
		case '[':
			stack = append(stack, jsonFrame{})
		case '}', ']':
			stack = stack[:len(stack)-1]
		case ',':
			if top := &stack[len(stack)-1]; top.object {
				top.expectKey = true
			} else {
				top.index++
			}
		case '"':
			end := stringEnd(body, i)
			if top := len(stack) - 1; top >= 0 && stack[top].object && stack[top].expectKey {
				f := &stack[top]
				f.expectKey = false
				f.key = memberName(body[i : end+1])
				folded := strings.ToLower(strings.ToUpper(f.key))
				if f.seen == nil {
					f.seen = make(map[string]struct{}, 8)
				}
				if _, dup := f.seen[folded]; dup {
					return framesPath(stack), true
				}
				f.seen[folded] = struct{}{}
			}
			i = end
		}
	}
	return "", false
}

// jsonFrame is an open object or array: an object's member names so far and the one whose
// value is being read, an array's index.
type jsonFrame struct {
	object    bool
	expectKey bool
	key       string
	seen      map[string]struct{}
	index     int
}

// stringEnd is the index of the quote closing the JSON string opening at start.
func stringEnd(body []byte, start int) int {
	for j := start + 1; j < len(body); j++ {
		switch body[j] {
		case '\\':
			j++
		case '"':
			return j
		}
	}
	return len(body) - 1
}

// memberName is a quoted JSON string's value: escapes resolved ("agent\u0049d" is agentId).
func memberName(quoted []byte) string {
	if !strings.Contains(string(quoted), `\`) {
		return string(quoted[1 : len(quoted)-1])
	}
	var s string
	if json.Unmarshal(quoted, &s) != nil {
		return string(quoted[1 : len(quoted)-1])
	}
	return s
}

// framesPath names the member the innermost frame is at, as the handlers' details name
// fields (parts[1].extra.k).
func framesPath(stack []jsonFrame) string {
	path := ""
	for _, f := range stack {
		if f.object {
			path = memberPath(path, f.key)
		} else {
			path += "[" + strconv.Itoa(f.index) + "]"
		}
	}
	return path
}
