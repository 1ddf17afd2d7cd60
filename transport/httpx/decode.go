package httpx

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"unicode/utf8"

	json "github.com/goccy/go-json"
	"github.com/valyala/fasthttp"
)

// DecodeJSON reads the request body into dst strictly: the content type must be JSON and the
// body uncompressed (415), the body one UTF-8 JSON value with no unknown fields, no wrong
// types and no member given twice (400 with the field named). Missing required fields are
// the caller's validation, after decoding.
func DecodeJSON(ctx *fasthttp.RequestCtx, dst any) error {
	ct := string(ctx.Request.Header.ContentType())
	if mt, _, _ := strings.Cut(ct, ";"); strings.TrimSpace(strings.ToLower(mt)) != "application/json" {
		return NewError(http.StatusUnsupportedMediaType, CodeUnsupportedMedia,
			"Content-Type must be application/json")
	}
	if err := RefuseCompressedBody(ctx); err != nil {
		return err
	}
	body := ctx.PostBody()
	if len(bytes.TrimSpace(body)) == 0 {
		return NewError(http.StatusBadRequest, CodeInvalidJSON, "Request body is empty; a JSON object is required")
	}
	// JSON is UTF-8 (RFC 8259 §8.1); the decoder would replace each bad byte with U+FFFD,
	// and a Latin-1 client's "José" would reach the customer as "Jos\uFFFD".
	if !utf8.Valid(body) {
		return NewError(http.StatusBadRequest, CodeInvalidJSON, "Request body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err, body, dst)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return NewError(http.StatusBadRequest, CodeInvalidJSON, "Request body must hold a single JSON value")
	}
	if field, dup := duplicateMember(body, reflect.TypeOf(dst)); dup {
		return NewError(http.StatusBadRequest, CodeValidation, "Validation failed",
			Detail{Field: field, Message: "is given more than once; give it once"})
	}
	return nil
}

// RefuseCompressedBody is the 415 for a request body with a Content-Encoding other than
// identity (RFC 9110 §8.4), with Accept-Encoding: identity on the answer; nil otherwise. Call
// it before reading the body. A JSON body was read as it came (a gzipped one refused as "not
// valid UTF-8", one labelled compressed but sent plain taken), and fasthttp's multipart
// reader gunzips with no bound: 40 KB on the wire, within every body limit, became 40 MiB
// in memory.
func RefuseCompressedBody(ctx *fasthttp.RequestCtx) error {
	if BodyCoding(&ctx.Request.Header) == nil {
		return nil
	}
	ctx.Response.Header.Set(fasthttp.HeaderAcceptEncoding, "identity")
	return NewError(http.StatusUnsupportedMediaType, CodeUnsupportedMedia,
		"Compressed request bodies (Content-Encoding) are not supported; send the body uncompressed")
}

// BodyCoding is the request body's Content-Encoding when it names one (nil for none or
// identity): fasthttp's readers inflate such a body with no bound.
func BodyCoding(h *fasthttp.RequestHeader) []byte {
	ce := bytes.TrimSpace(h.Peek(fasthttp.HeaderContentEncoding))
	if len(ce) == 0 || bytes.EqualFold(ce, []byte("identity")) {
		return nil
	}
	return ce
}

func decodeError(err error, body []byte, dst any) error {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		field := fieldPath(typeErr.Field)
		if field == "" {
			return NewError(http.StatusBadRequest, CodeInvalidJSON,
				fmt.Sprintf("Request body must be a JSON object, not %s", typeErr.Value))
		}
		kind := jsonKind(typeErr.Type.Kind().String())
		msg := fmt.Sprintf("must be %s, not %s", kind, typeErr.Value)
		if n, ok := strings.CutPrefix(typeErr.Value, "number "); ok && kind == "an integer" && integerLiteral(n) {
			msg = "is out of range" // an integer all the same, too large for the member
		}
		return NewError(http.StatusBadRequest, CodeValidation, "Validation failed", Detail{Field: field, Message: msg})
	}
	msg := err.Error()
	if i := strings.Index(msg, "unknown field"); i >= 0 {
		if details := unknownFields(body, reflect.TypeOf(dst)); len(details) > 0 {
			return NewError(http.StatusBadRequest, CodeValidation, "Validation failed", details...)
		}
		name := strings.Trim(strings.TrimSpace(msg[i+len("unknown field"):]), `"`)
		return NewError(http.StatusBadRequest, CodeValidation, "Validation failed",
			Detail{Field: name, Message: "unknown field"})
	}
	return NewError(http.StatusBadRequest, CodeInvalidJSON, "Request body is not valid JSON")
}

// fieldPath writes the decoder's path of a member (parts.1.items.0.n) as the handlers'
// validation details write theirs (parts[1].items[0].n), so a client sees one spelling of
// a field whichever check refused it.
func fieldPath(decoder string) string {
	var b strings.Builder
	for i, seg := range strings.Split(decoder, ".") {
		switch {
		case seg != "" && strings.Trim(seg, "0123456789") == "" && i > 0:
			b.WriteString("[" + seg + "]")
		case i > 0:
			b.WriteString("." + seg)
		default:
			b.WriteString(seg)
		}
	}
	return b.String()
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer" // 1.5 is a number too: "must be a number, not number 1.5" said nothing
	case "float32", "float64":
		return "a number"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	default:
		return "of another type"
	}
}

// integerLiteral reports whether a JSON number is written as an integer: digits, no
// fraction or exponent.
func integerLiteral(n string) bool {
	n = strings.TrimPrefix(n, "-")
	return n != "" && strings.Trim(n, "0123456789") == ""
}
