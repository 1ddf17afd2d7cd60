package rest

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"mime/multipart"
	"net/textproto"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/graph"
	"github.com/switchboard/switchboard/transport/httpx"
)

// webp is a WebP file of size bytes: extended (VP8X) with the animation flag when animated,
// else a plain lossy one.
func webp(size int, animated bool) []byte {
	b := make([]byte, size)
	copy(b, "RIFF\x00\x00\x00\x00WEBPVP8 ")
	if animated {
		copy(b[12:], "VP8X\x0a\x00\x00\x00\x02")
	}
	return b
}

// upload reads a form of one file part through readUpload. partType is the part's
// Content-Type and typeField the form's type field ("" leaves either out).
func upload(t *testing.T, data []byte, filename, partType, typeField string) (graph.MediaUpload, error) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	h := textproto.MIMEHeader{"Content-Disposition": {`form-data; name="file"; filename="` + filename + `"`}}
	if partType != "" {
		h.Set("Content-Type", partType)
	}
	p, err := w.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = p.Write(data)
	if typeField != "" {
		if err := w.WriteField("type", typeField); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	var ctx fasthttp.RequestCtx
	ctx.Request.Header.SetMethod("POST")
	ctx.Request.Header.SetContentType(w.FormDataContentType())
	ctx.Request.SetBody(body.Bytes())
	return readUpload(&ctx)
}

// A sticker is 100 KB at Meta when still and 500 KB when animated (WHATSAPP.md §3): a still
// one above 100 KB is refused before Meta is asked, not uploaded as a sticker that no send
// could then deliver.
func TestReadUploadStickerSizes(t *testing.T) {
	for _, c := range []struct {
		name string
		data []byte
		ok   bool
	}{
		{"still, 100 KB", webp(100<<10, false), true},
		{"still, 100 KB and a byte", webp(100<<10+1, false), false},
		{"still, 300 KB", webp(300<<10, false), false},
		{"animated, 300 KB", webp(300<<10, true), true},
		{"animated, 500 KB", webp(500<<10, true), true},
		{"animated, 500 KB and a byte", webp(500<<10+1, true), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			up, err := upload(t, c.data, "s.webp", "image/webp", "")
			e, _ := httpx.AsError(err)
			switch {
			case c.ok && err != nil:
				t.Fatalf("refused: %v", err)
			case !c.ok && (e == nil || e.Code != httpx.CodeValidation || len(e.Details) != 1 || e.Details[0].Field != "file"):
				t.Fatalf("%v, want one detail on file", err)
			case up.MIMEType != "image/webp":
				t.Fatalf("type %q", up.MIMEType)
			}
		})
	}
}

// Small real files, built as their formats have them: what the first bytes of each say.

func jpegFile() []byte {
	return append([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xdb\x00\x43\x00"), make([]byte, 200)...)
}

func pngFile() []byte {
	return append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"), make([]byte, 64)...)
}

func pdfFile() []byte {
	return []byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
}

// m4a is an MPEG-4 audio file as phones record it: an ftyp box of brand "M4A ".
func m4aFile() []byte {
	b := []byte("\x00\x00\x00\x20ftypM4A \x00\x00\x02\x00M4A mp42isom\x00\x00\x00\x00")
	return append(b, []byte("\x00\x00\x00\x08free\x00\x00\x00\x10mdat0123456789ab")...)
}

// opus is one Ogg page holding an Opus identification header, as WhatsApp's voice notes.
func opusFile() []byte {
	head := []byte("OpusHead\x01\x01\x38\x01\x80\xbb\x00\x00\x00\x00\x00")
	page := []byte("OggS\x00\x02")
	page = binary.LittleEndian.AppendUint64(page, 0)
	page = binary.LittleEndian.AppendUint32(page, 0x1234)
	page = binary.LittleEndian.AppendUint32(page, 0)
	page = binary.LittleEndian.AppendUint32(page, 0) // CRC: not checked by sniffing
	page = append(page, 1, byte(len(head)))
	return append(page, head...)
}

// zipOf is a zip archive of the named files.
func zipOf(t *testing.T, files map[string]string) []byte {
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	for name, body := range files {
		f, err := z.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = f.Write([]byte(body))
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// docx is a Word document: a zip whose parts are Office Open XML's.
func docxFile(t *testing.T) []byte {
	return zipOf(t, map[string]string{
		"[Content_Types].xml": `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`,
		"_rels/.rels":         `<?xml version="1.0"?><Relationships/>`,
		"word/document.xml":   `<?xml version="1.0"?><w:document/>`,
	})
}

// zipFile is a zip holding no Office part: mimetype reads it as a zip alone.
func zipFile(t *testing.T) []byte { return zipOf(t, map[string]string{"notes.txt": "notes"}) }

// elf is the start of a Linux executable (ELF, ET_EXEC, x86-64).
func elfFile() []byte {
	b := make([]byte, 128)
	copy(b, "\x7fELF\x02\x01\x01\x00")
	b[16], b[18] = 2, 0x3e
	return b
}

// exe is the start of a Windows executable (an MZ header pointing at a PE header).
func exeFile() []byte {
	b := make([]byte, 256)
	copy(b, "MZ\x90\x00")
	binary.LittleEndian.PutUint32(b[0x3c:], 0x80)
	copy(b[0x80:], "PE\x00\x00")
	return b
}

// An upload's declared type is checked against its bytes: a file whose bytes are clearly of
// another kind (an executable declared image/jpeg, a PDF declared a PNG) is refused with
// media_type_mismatch naming file, while the files phones and offices really make pass as
// they are declared, and bytes that say nothing (raw audio frames) are taken at their word.
// Without a declared type the bytes decide, read as Meta names the types: net/http's
// sniffing took an m4a for video/mp4, a docx for a zip and an Opus note for application/ogg.
func TestReadUploadTypeAgainstBytes(t *testing.T) {
	for _, c := range []struct {
		name, filename, partType, typeField string
		data                                []byte
		want                                string // the type uploaded; "" when refused
	}{
		{"jpeg", "a.jpg", "image/jpeg", "", jpegFile(), "image/jpeg"},
		{"png", "a.png", "image/png", "", pngFile(), "image/png"},
		{"webp sticker", "s.webp", "image/webp", "", webp(1024, false), "image/webp"},
		{"pdf", "a.pdf", "application/pdf", "", pdfFile(), "application/pdf"},
		{"docx", "a.docx", docxType, "", docxFile(t), docxType},
		{"m4a as audio/mp4", "voice.m4a", "audio/mp4", "", m4aFile(), "audio/mp4"},
		{"opus as audio/ogg with codecs", "voice.ogg", "", "audio/ogg; codecs=opus", opusFile(), "audio/ogg"},
		{"text", "a.txt", "text/plain", "", []byte("Pedido 8812: entregue.\n"), "text/plain"},
		{"raw AAC frames say nothing", "a.aac", "audio/aac", "", []byte("\xff\xf1\x50\x80\x02\x1f\xfc\x21\x00\x49\x90\x02\x19\x00\x23\x80"), "audio/aac"},
		{"sniffed: m4a", "voice.m4a", "application/octet-stream", "", m4aFile(), "audio/mp4"},
		{"sniffed: opus", "voice.ogg", "", "", opusFile(), "audio/ogg"},
		{"sniffed: docx", "a.docx", "application/octet-stream", "", docxFile(t), docxType},
		{"sniffed: pdf", "a.pdf", "", "", pdfFile(), "application/pdf"},
		{"ELF declared image/jpeg", "a.jpg", "image/jpeg", "", elfFile(), ""},
		{"Windows executable declared a PDF", "a.pdf", "", "application/pdf", exeFile(), ""},
		{"PDF declared image/png", "a.png", "image/png", "", pdfFile(), ""},
		{"JPEG declared audio/ogg", "a.ogg", "audio/ogg", "", jpegFile(), ""},
		{"docx declared audio/mp4", "a.m4a", "audio/mp4", "", docxFile(t), ""},
		{"zip declared a docx", "a.docx", docxType, "", zipFile(t), docxType},
		{"docx labelled application/msword", "a.doc", "application/msword", "", docxFile(t), "application/msword"},
		{"m4a labelled audio/aac", "voice.aac", "audio/aac", "", m4aFile(), "audio/aac"},
		{"m4a declared image/jpeg", "a.jpg", "image/jpeg", "", m4aFile(), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			up, err := upload(t, c.data, c.filename, c.partType, c.typeField)
			if c.want != "" {
				if err != nil || up.MIMEType != c.want {
					t.Fatalf("uploaded as %q, %v; want %s", up.MIMEType, err, c.want)
				}
				return
			}
			e, _ := httpx.AsError(err)
			if e == nil || e.Status != 400 || e.Code != httpx.CodeMediaTypeMismatch || len(e.Details) != 1 || e.Details[0].Field != "file" {
				t.Fatalf("%v (%+v), want 400 %s on file", err, e, httpx.CodeMediaTypeMismatch)
			}
		})
	}
}
