package operations

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The types an attachment may have, as found in its content.
const (
	TypePDF  = "application/pdf"
	TypeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	TypeDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	TypeODS  = "application/vnd.oasis.opendocument.spreadsheet"
)

// extensions are the types' usual file name endings.
var extensions = map[string]string{TypePDF: ".pdf", TypeXLSX: ".xlsx", TypeDOCX: ".docx", TypeODS: ".ods"}

// The main parts' content types in [Content_Types].xml: an XLSX and a
// DOCX are told apart by them, and a macro-enabled workbook (.xlsm,
// "macroEnabled.main+xml") is not one of them, so it is refused.
const (
	xlsxMain = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
	docxMain = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
)

// detectType is the type data's content shows, or "" when it is none of
// the accepted ones. Office files are zip containers: the type is read
// inside (the OOXML [Content_Types].xml, the ODF mimetype entry), never
// from a name, so a renamed executable or an HTML page is refused.
func detectType(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return TypePDF
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return zipType(data)
	}
	return ""
}

// zipType looks inside a zip container. Entries are read through a
// small limit: a zip bomb inflates nothing here.
func zipType(data []byte) string {
	z, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return ""
	}
	read := func(name string, limit int64) []byte {
		for _, f := range z.File {
			if f.Name != name {
				continue
			}
			r, err := f.Open()
			if err != nil {
				return nil
			}
			defer r.Close()
			b, err := io.ReadAll(io.LimitReader(r, limit))
			if err != nil {
				return nil
			}
			return b
		}
		return nil
	}
	if m := read("mimetype", 128); m != nil {
		if strings.TrimSpace(string(m)) == TypeODS {
			return TypeODS
		}
		return "" // another OpenDocument (a text, a drawing…)
	}
	ct := read("[Content_Types].xml", 1<<20)
	if ct == nil {
		return ""
	}
	var types struct {
		Overrides []struct {
			PartName    string `xml:"PartName,attr"`
			ContentType string `xml:"ContentType,attr"`
		} `xml:"Override"`
	}
	if xml.Unmarshal(ct, &types) != nil {
		return ""
	}
	for _, o := range types.Overrides {
		switch o.ContentType {
		case xlsxMain:
			return TypeXLSX
		case docxMain:
			return TypeDOCX
		}
	}
	return ""
}

// MaxFileName bounds a kept file name, in characters.
const MaxFileName = 100

// cleanName is the name a browser sent, made safe to keep and to offer
// back in a Content-Disposition header: the last element of any path
// (either slash), without control or formatting characters (a
// right-to-left override can make "exe.pdf" read "fdp.exe"), without
// the characters file systems refuse, at most MaxFileName characters,
// and ending with the extension of the type found in the content.
func cleanName(name, mediaType string) string {
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	var b strings.Builder
	for _, r := range name {
		switch {
		case r == utf8.RuneError, unicode.IsControl(r), unicode.Is(unicode.Cf, r):
		case strings.ContainsRune(`"<>:|?*/`, r):
			b.WriteRune('_')
		case unicode.IsSpace(r):
			b.WriteRune(' ')
		default:
			b.WriteRune(r)
		}
	}
	name = strings.Trim(strings.Join(strings.Fields(b.String()), " "), ". ")
	ext := extensions[mediaType]
	stem := name
	if strings.EqualFold(path.Ext(name), ext) {
		stem = name[:len(name)-len(path.Ext(name))]
	}
	stem = strings.TrimRight(stem, ". ")
	if stem == "" {
		stem = "attachment"
	}
	if r := []rune(stem); len(r) > MaxFileName-len(ext) {
		stem = strings.TrimRight(string(r[:MaxFileName-len(ext)]), ". ")
	}
	return stem + ext
}
