package httpx

import (
	"encoding"
	"reflect"
	"slices"
	"strconv"
	"strings"

	json "github.com/goccy/go-json"
)

// Unknown members are refused rather than ignored (as the Node platform's Zod schemas
// ignored them): on a messaging API an ignored typo of an optional member (a reply context,
// an expiry, a preview flag) sends something else than the client meant, and cannot be
// taken back. The decoder names only the first unknown key, without its path; these
// functions, run only once it has refused a body, name every unknown member by its whole
// path and, when it is a slip of a member taken at its place, that member.

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// The refusal is bounded whatever the body (the login route decodes before anyone is
// authenticated): at most maxNamedUnknown members are named, the rest counted, and a key
// longer than maxNamedKey bytes is cut and compared with no member.
const (
	maxNamedUnknown = 20
	maxNamedKey     = 64
)

// unknownMember is a member of the body its type has no place for, with the members taken
// at its place (for a suggestion).
type unknownMember struct {
	path, key string
	fields    []jsonField
}

// unknownFields lists the members of body that t has no place for, sorted by path; nil
// when it finds none (then the caller words the decoder's error as it is).
func unknownFields(body []byte, t reflect.Type) []Detail {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return nil
	}
	var found []unknownMember
	walkUnknown(v, t, "", &found)
	slices.SortFunc(found, func(a, b unknownMember) int { return strings.Compare(a.path, b.path) })
	var out []Detail
	for _, m := range found[:min(len(found), maxNamedUnknown)] {
		out = append(out, m.detail())
	}
	if more := len(found) - maxNamedUnknown; more > 0 {
		out = append(out, Detail{Field: "…", Message: strconv.Itoa(more) + " more unknown fields"})
	}
	return out
}

func (m unknownMember) detail() Detail {
	if len(m.path) > maxNamedKey {
		return Detail{Field: m.path[:maxNamedKey] + "…", Message: "unknown field"}
	}
	msg := "unknown field"
	if near := nearestField(m.fields, m.key); near != "" {
		msg += `; did you mean "` + near + `"?`
	}
	return Detail{Field: m.path, Message: msg}
}

func walkUnknown(v any, t reflect.Type, path string, out *[]unknownMember) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(jsonUnmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler) {
		return // the type reads itself: its members are its business
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return
		}
		fields := cachedJSONFields(t)
		for key, val := range obj {
			if ft, ok := fieldType(fields, key); ok {
				walkUnknown(val, ft, memberPath(path, key), out)
				continue
			}
			*out = append(*out, unknownMember{path: memberPath(path, key), key: key, fields: fields})
		}
	case reflect.Slice, reflect.Array:
		arr, _ := v.([]any)
		for i, el := range arr {
			walkUnknown(el, t.Elem(), path+"["+strconv.Itoa(i)+"]", out)
		}
	case reflect.Map:
		obj, _ := v.(map[string]any)
		for key, val := range obj {
			walkUnknown(val, t.Elem(), memberPath(path, key), out)
		}
	}
}

func memberPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

type jsonField struct {
	name string
	typ  reflect.Type
}

// jsonFields lists the members t's JSON takes, with those of its untagged embedded structs
// (promoted, as encoding/json promotes them), shallower first: of two members of one name,
// fieldType finds the one the decoder fills (an outer member shadows a promoted one).
func jsonFields(t reflect.Type) []jsonField {
	var fields []jsonField
	// Level by level, each embedded type followed once: a type embedding itself, or one that
	// embeds it back, would otherwise never end (encoding/json too lists its members once).
	seen := map[reflect.Type]bool{t: true}
	for level := []reflect.Type{t}; len(level) > 0; {
		var next []reflect.Type
		for _, st := range level {
			fields, next = appendJSONFields(fields, next, st, seen)
		}
		level = next
	}
	return fields
}

// appendJSONFields appends t's own members to fields and the embedded structs not seen yet,
// whose members are one level deeper, to embedded.
func appendJSONFields(fields []jsonField, embedded []reflect.Type, t reflect.Type, seen map[reflect.Type]bool) ([]jsonField, []reflect.Type) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" && !strings.HasPrefix(tag, "-,") {
			continue
		}
		if f.Anonymous && name == "" {
			if et := derefType(f.Type); et.Kind() == reflect.Struct {
				if !seen[et] {
					seen[et] = true
					embedded = append(embedded, et)
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fields = append(fields, jsonField{name, f.Type})
	}
	return fields, embedded
}

func derefType(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// fieldType finds key's member as the decoder does: its exact name first, else one equal
// but for case.
func fieldType(fields []jsonField, key string) (reflect.Type, bool) {
	for _, f := range fields {
		if f.name == key {
			return f.typ, true
		}
	}
	for _, f := range fields {
		if strings.EqualFold(f.name, key) {
			return f.typ, true
		}
	}
	return nil, false
}

// nearestField is the member key most likely stands for: the same name in snake_case or
// kebab-case, or one at most two edits away (one for short names); "" when none is.
func nearestField(fields []jsonField, key string) string {
	if len(key) > maxNamedKey {
		return ""
	}
	folded := foldName(key)
	best, bestDist := "", 3
	for _, f := range fields {
		if foldName(f.name) == folded {
			return f.name
		}
		limit := 2
		if len(f.name) <= 4 {
			limit = 1
		}
		if abs(len(f.name)-len(key)) > limit {
			continue // at least that many edits apart
		}
		if d := editDistance(strings.ToLower(f.name), strings.ToLower(key)); d <= limit && d < bestDist {
			best, bestDist = f.name, d
		}
	}
	return best
}

var nameSeparators = strings.NewReplacer("_", "", "-", "")

// foldName is a member name without case or separators: templateName, template_name and
// Template-Name fold alike.
func foldName(s string) string { return nameSeparators.Replace(strings.ToLower(s)) }

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// editDistance is the Levenshtein distance of a and b, in bytes (member names are ASCII).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
