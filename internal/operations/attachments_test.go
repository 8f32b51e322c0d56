package operations

import (
	"archive/zip"
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// zipOf is a zip container holding files (name, content), in order.
func zipOf(t *testing.T, files ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	for i := 0; i+1 < len(files); i += 2 {
		w, err := z.Create(files[i])
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write([]byte(files[i+1]))
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func contentTypes(main string) string {
	return `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="xml" ContentType="application/xml"/><Override PartName="/main.xml" ContentType="` + main + `"/></Types>`
}

// The type is the content's: a real workbook, document, spreadsheet and
// PDF pass; an HTML page, an executable, a macro workbook, an ODF text
// and a bare zip do not, whatever they are called.
func TestAttachmentTypeIsFoundInTheContent(t *testing.T) {
	book := excelize.NewFile()
	_ = book.SetCellStr("Sheet1", "A1", "Budget")
	var xlsx bytes.Buffer
	if err := book.Write(&xlsx); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		data []byte
		want string
	}{
		"pdf":          {[]byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"), TypePDF},
		"xlsx":         {xlsx.Bytes(), TypeXLSX},
		"docx":         {zipOf(t, "[Content_Types].xml", contentTypes(docxMain), "word/document.xml", "<w:document/>"), TypeDOCX},
		"ods":          {zipOf(t, "mimetype", TypeODS, "content.xml", "<office:document-content/>"), TypeODS},
		"odt":          {zipOf(t, "mimetype", "application/vnd.oasis.opendocument.text"), ""},
		"xlsm":         {zipOf(t, "[Content_Types].xml", contentTypes("application/vnd.ms-excel.sheet.macroEnabled.main+xml")), ""},
		"bare zip":     {zipOf(t, "readme.txt", "hello"), ""},
		"broken zip":   {[]byte("PK\x03\x04 not really"), ""},
		"html":         {[]byte("<!doctype html><script>alert(1)</script>"), ""},
		"pdf inside":   {[]byte("<html>%PDF-1.4</html>"), ""},
		"executable":   {[]byte("MZ\x90\x00\x03"), ""},
		"empty":        {nil, ""},
		"bad manifest": {zipOf(t, "[Content_Types].xml", "<Types><Override"), ""},
	} {
		if got := detectType(c.data); got != c.want {
			t.Errorf("%s: detected %q, want %q", name, got, c.want)
		}
	}
}

// A kept name has no path, no control or direction characters, is
// bounded, and ends with the extension of the type found.
func TestAttachmentNamesAreSanitised(t *testing.T) {
	for in, want := range map[string]string{
		"statuts.pdf":                    "statuts.pdf",
		"C:\\Users\\me\\Budget 2030.PDF": "Budget 2030.pdf",
		"../../etc/passwd":               "passwd.pdf",
		"a\x00b\r\nc.pdf":                "abc.pdf",
		"invoice\u202Efdp.exe":           "invoicefdp.exe.pdf",
		"  ..hidden.pdf  ":               "hidden.pdf",
		`"quoted"<x>.pdf`:                "_quoted__x_.pdf",
		"":                               "attachment.pdf",
		"/":                              "_.pdf",
	} {
		if got := cleanName(in, TypePDF); got != want {
			t.Errorf("cleanName(%q) = %q, want %q", in, got, want)
		}
	}
	long := cleanName(strings.Repeat("é", 500)+".xlsx", TypeXLSX)
	if n := len([]rune(long)); n != MaxFileName || !strings.HasSuffix(long, ".xlsx") {
		t.Errorf("a long name keeps %d characters (%q), want %d ending .xlsx", n, long, MaxFileName)
	}
}

// checkFiles refuses each bad file with its fault, and all of them when
// one is bad; nothing is written (it has no database).
func TestAttachmentChecksNameEachFault(t *testing.T) {
	s := &Service{MaxAttachmentBytes: 64}
	pdf := []byte("%PDF-1.4\n%%EOF\n")
	_, err := s.checkFiles([]AttachmentFile{
		{Field: "statutes", Name: "ok.pdf", Data: pdf},
		{Field: "budget", Name: "budget.pdf", Data: []byte("<html></html>")},
		{Field: "statutes", Name: "big.pdf", Data: append(pdf, make([]byte, 64)...)},
		{Field: "budget", Name: "empty.pdf"},
		{Field: "report", Name: "r.pdf", Data: pdf},
		{Field: "photo", Name: "p.pdf", Data: pdf},
	}, "statutes", "budget")
	var e *Error
	var fp FileProblems
	if !errors.As(err, &e) || e.Kind != Refused || !errors.As(err, &fp) {
		t.Fatalf("checkFiles = %v, want a refusal carrying FileProblems", err)
	}
	want := []FileFault{FileWrong, FileTooBig, FileEmpty, FileNotASlot, FileNoField}
	if len(fp) != len(want) {
		t.Fatalf("problems %+v, want faults %v", fp, want)
	}
	for i, f := range want {
		if fp[i].Fault != f {
			t.Errorf("problem %d: %+v, want %s", i, fp[i], f)
		}
	}
	if fp[1].Limit != 64 || len(e.Problems) != len(want) || e.Problems[0].Field != "budget" {
		t.Errorf("refusal %+v", e)
	}
	ok, err := s.checkFiles([]AttachmentFile{{Field: "statutes", Name: "x/y/statuts", Data: pdf}}, "statutes")
	if err != nil || len(ok) != 1 || ok[0].name != "statuts.pdf" || ok[0].mediaType != TypePDF || len(ok[0].sum) != 64 {
		t.Errorf("a good file: %+v %v", ok, err)
	}
}
