package httpx

import (
	"bytes"
	"reflect"
	"strconv"
	"strings"
	"sync"

	json "github.com/goccy/go-json"
)

// A member named twice in one object is refused rather than decided by the decoder, which
// keeps the last copy and matches a struct's member names in any case: {"agentId": A,
// "agentID": B} assigned the conversation to B, and a gateway, audit log or validator that
// reads the first copy (as many JSON parsers do) would see another message than the one
// sent. The scan runs on a body the decoder accepted, so the JSON is well formed.

// duplicateMember returns the path of the first member given twice in one of body's objects,
// and whether there is one, names compared as the decoder matches them for t, the type body
// decodes into: in any case in an object that fills a struct, exactly in one that fills a map
// (or a type that reads itself), whose keys are kept as sent ({"screen", "Screen"} are two).
// It runs on every JSON body the API takes, so it allocates nothing for an ordinary body: the
// names of the open objects are views into body (a name with escapes is decoded), compared
// one by one while an object has few, through a map once it has more than linearMembers (a
// body of a hundred thousand members must not cost their square).
func duplicateMember(body []byte, t reflect.Type) (string, bool) {
	var frames [8]jsonFrame
	var names [32][]byte
	stack, open := frames[:0], names[:0]
	for i := 0; i < len(body); i++ {
		if len(stack) == 0 && body[i] != '{' && body[i] != '[' && body[i] != '"' {
			continue // whitespace or a scalar outside any object: nothing to compare
		}
		switch body[i] {
		case '{':
			typ := valueType(stack, t)
			stack = append(stack, jsonFrame{object: true, expectKey: true, first: len(open), typ: typ,
				fold: typ != nil && typ.Kind() == reflect.Struct})
		case '[':
			stack = append(stack, jsonFrame{first: len(open), typ: valueType(stack, t)})
		case '}', ']':
			open = open[:stack[len(stack)-1].first]
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
				name := memberName(body[i : end+1])
				if f.named(open[f.first:], name) {
					return framesPath(stack, open, name), true
				}
				open = append(open, name)
				f.last = len(open) - 1
				f.member = memberType(f.typ, name)
			}
			i = end
		}
	}
	return "", false
}

// linearMembers is how many names an object's new name is compared with one by one, before
// the object's names go into a map.
const linearMembers = 16

// jsonFrame is an open object or array: the type it decodes into (nil: unknown, or a type
// that reads itself), where its names start among the open ones and which is the last, with
// its member's type (an object's), or an array's index.
type jsonFrame struct {
	object    bool
	expectKey bool
	typ       reflect.Type
	fold      bool                // names compare in any case: the object fills a struct
	member    reflect.Type        // the type of the member whose value is being read
	first     int                 // its names start at this index of the open names
	last      int                 // the index of the name whose value is being read
	seen      map[string]struct{} // the folded names, once there are more than linearMembers
	index     int
}

// named reports whether the object whose names so far are prev already has name (in any
// case when f.fold).
func (f *jsonFrame) named(prev [][]byte, name []byte) bool {
	if f.seen == nil && len(prev) < linearMembers {
		for _, p := range prev {
			if bytes.Equal(p, name) || (f.fold && bytes.EqualFold(p, name)) {
				return true
			}
		}
		return false
	}
	if f.seen == nil {
		f.seen = make(map[string]struct{}, 2*linearMembers)
		for _, p := range prev {
			f.seen[f.key(p)] = struct{}{}
		}
	}
	folded := f.key(name)
	if _, dup := f.seen[folded]; dup {
		return true
	}
	f.seen[folded] = struct{}{}
	return false
}

// key is name as f's map of names keeps it: in one case (as bytes.EqualFold compares) when
// f.fold, as sent otherwise.
func (f *jsonFrame) key(name []byte) string {
	if !f.fold {
		return string(name)
	}
	return strings.ToLower(strings.ToUpper(string(name)))
}

// valueType is the type of the value opening at the top of stack: t at the root, the member's
// or the element's type of the frame it is in; nil when unknown or when the type reads itself
// (its members are its business).
func valueType(stack []jsonFrame, t reflect.Type) reflect.Type {
	if len(stack) > 0 {
		switch top := stack[len(stack)-1]; {
		case top.object:
			t = top.member
		case top.typ != nil && (top.typ.Kind() == reflect.Slice || top.typ.Kind() == reflect.Array):
			t = top.typ.Elem()
		default:
			t = nil
		}
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || reflect.PointerTo(t).Implements(jsonUnmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler) {
		return nil
	}
	return t
}

// memberType is the type the member name of an object of type t decodes into (nil unknown).
func memberType(t reflect.Type, name []byte) reflect.Type {
	switch {
	case t == nil:
		return nil
	case t.Kind() == reflect.Map:
		return t.Elem()
	case t.Kind() != reflect.Struct:
		return nil
	}
	ft, _ := fieldType(cachedJSONFields(t), string(name))
	return ft
}

// fieldsOf caches jsonFields by type: the scan asks for them on every body.
var fieldsOf sync.Map // reflect.Type → []jsonField

func cachedJSONFields(t reflect.Type) []jsonField {
	if f, ok := fieldsOf.Load(t); ok {
		return f.([]jsonField)
	}
	f, _ := fieldsOf.LoadOrStore(t, jsonFields(t))
	return f.([]jsonField)
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

// memberName is a quoted JSON string's value: escapes resolved ("agent\u0049d" is agentId);
// a view into quoted when it has none.
func memberName(quoted []byte) []byte {
	inner := quoted[1 : len(quoted)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return inner
	}
	var s string
	if json.Unmarshal(quoted, &s) != nil {
		return inner
	}
	return []byte(s)
}

// framesPath names the member given twice, dup, in the innermost frame, as the handlers'
// details name fields (parts[1].extra.k): the outer frames at the member (open[last]) or
// index whose value is being read.
func framesPath(stack []jsonFrame, open [][]byte, dup []byte) string {
	path := ""
	for i, f := range stack {
		switch {
		case i == len(stack)-1:
			path = memberPath(path, string(dup))
		case f.object:
			path = memberPath(path, string(open[f.last]))
		default:
			path += "[" + strconv.Itoa(f.index) + "]"
		}
	}
	return path
}
