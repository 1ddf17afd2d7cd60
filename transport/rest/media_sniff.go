package rest

import (
	"fmt"
	"mime"
	"net/http"
	"slices"

	"github.com/gabriel-vasile/mimetype"

	"github.com/switchboard/switchboard/transport/graph"
	"github.com/switchboard/switchboard/transport/httpx"
)

// An upload's bytes are read with gabriel-vasile/mimetype rather than net/http's sniffing,
// which implements only the WHATWG list a browser needs: it takes an m4a voice note for
// video/mp4, a docx for a plain zip and an Opus note for application/ogg, and knows no
// executable at all. mimetype reads the containers' brands and parts (an ftyp box's "M4A ",
// a zip's [Content_Types].xml, an Ogg page's OpusHead) and places every type in a tree (a
// docx under zip, a JSON file under text/plain), which is what telling "more precise than
// declared" from "another kind of file" needs.

// sniffedAs names, as Meta's upload takes them, the types mimetype reports under another
// name: an m4a is Meta's audio/mp4.
var sniffedAs = map[string]string{"audio/x-m4a": "audio/mp4"}

// sniffMediaType is the type an upload's bytes say, named as Meta names it when WhatsApp
// sends it (graph.MediaKindOf), else as mimetype does (a type the caller then refuses).
func sniffMediaType(data []byte) string {
	d := mimetype.Detect(data)
	for m := d; m != nil; m = m.Parent() {
		base, _, _ := mime.ParseMediaType(m.String())
		if t, ok := sniffedAs[base]; ok {
			return t
		}
		for _, t := range graph.MediaMIMETypes() {
			if m.Is(t) {
				return t
			}
		}
	}
	base, _, _ := mime.ParseMediaType(d.String())
	return base
}

// families are kinds of file whose exact type the bytes and the declaration often tell
// differently with nothing wrong: an MPEG-4, 3GPP or QuickTime file may be audio or video
// whichever brand a phone wrote (Meta's audio/mp4 is an m4a, and apps label AAC voice notes
// in one audio/aac); an Ogg stream is Vorbis, Opus or Theora; and Office files are often
// labelled with the other generation's type (a docx as application/msword). A file of a
// family passes for any type of it. Each member stands for itself and what mimetype's tree
// places below it.
var families = [][]string{
	{"video/mp4", "video/quicktime", "audio/aac"},
	{"application/ogg"},
	{"application/x-ole-storage", docxType, xlsxType, pptxType},
}

const (
	docxType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	pptxType = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
)

// typeMismatch refuses a file whose bytes are clearly of another kind than declared (an
// executable declared image/jpeg, a PDF declared a PNG): nil when the bytes say nothing
// mimetype knows (raw audio frames), say the declared type or a more precise one, a more
// general one (a docx mimetype reads only as a zip), or another type of the same family.
func typeMismatch(declared string, data []byte) error {
	d := mimetype.Detect(data)
	if d.Parent() == nil { // the root, application/octet-stream: nothing known
		return nil
	}
	want := mimetype.Lookup(declared)
	if related(d, declared) || related(want, d.String()) {
		return nil
	}
	for _, f := range families {
		if slices.ContainsFunc(f, func(t string) bool { return related(d, t) }) &&
			slices.ContainsFunc(f, func(t string) bool { return related(want, t) }) {
			return nil
		}
	}
	base, _, _ := mime.ParseMediaType(d.String())
	return httpx.NewError(http.StatusBadRequest, httpx.CodeMediaTypeMismatch, "The file's contents do not match its declared type",
		httpx.Detail{Field: "file", Message: fmt.Sprintf("is declared %s, but its contents are %s", declared, base)})
}

// related reports whether m is of type t or of a type below it in mimetype's tree (t, its
// aliases, or an ancestor of m short of the root, which everything is below).
func related(m *mimetype.MIME, t string) bool {
	for ; m != nil && m.Parent() != nil; m = m.Parent() {
		if m.Is(t) {
			return true
		}
	}
	return false
}
