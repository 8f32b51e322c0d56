package portal_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/intake"
	"github.com/callcycle/callcycle/internal/operations"
	"github.com/callcycle/callcycle/internal/workerapp/workerapptest"
)

// The attachment routes: an applicant adds a file to its own
// application (a wrong type is refused with its field, nothing kept),
// lists and downloads it (the type found in its content, attachment,
// nosniff); another organisation's applicant reads it as missing, the
// officer reads it.
func TestAttachmentRoutes(t *testing.T) {
	t.Parallel()
	sys := workerapptest.Start(t, workerapptest.Options{Government: true})
	web := apiOn(t, sys)
	do := caller(t, web.URL)
	officer, _ := personWithToken(t, sys, "Awa Officer", "awa@office.example", "", auth.Officer)
	solsoc, solsocID := personWithToken(t, sys, "Sophie Solsoc", "sophie@solsoc.example", "", auth.Applicant)
	other, otherID := personWithToken(t, sys, "Omar Other", "omar@other.example", "", auth.Applicant)
	call, err := os.ReadFile(filepath.Join("..", "..", "examples", "call-ap-sud-2030.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if code, body := do(officer, "POST", "/api/v1/calls", string(call)); code != 200 {
		t.Fatalf("launch: %d %s", code, body)
	}
	ctx := t.Context()
	for id, org := range map[string]string{solsocID: "Solsoc", otherID: "Autre Terre"} {
		if _, err := sys.DB.Exec(ctx, `INSERT INTO applicants (name, name_key) VALUES ($1, $2) ON CONFLICT DO NOTHING`, org, intake.NameKey(org)); err != nil {
			t.Fatal(err)
		}
		if _, err := sys.DB.Exec(ctx, `UPDATE users SET applicant_id = (SELECT applicant_id FROM applicants WHERE name = $2) WHERE user_id = $1`, id, org); err != nil {
			t.Fatal(err)
		}
	}
	app, err := os.ReadFile(filepath.Join("..", "..", "examples", "application.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(operations.ApplyInput{Application: app, Source: "app.yaml"})
	var applied operations.ApplyResult
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		code, out := do(solsoc, "POST", "/api/v1/calls/AP-SUD-2030/my/application", string(body))
		if code == 200 && json.Unmarshal([]byte(out), &applied) == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("apply: %d %s", code, out)
		}
	}
	ref := applied.Reference
	files := func() (n int) {
		_ = sys.DB.QueryRow(ctx, `SELECT count(*) FROM attachments`).Scan(&n)
		return n
	}
	pdf := []byte("%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n")
	attach := func(tok string, f operations.AttachmentFile) (int, string) {
		b, _ := json.Marshal(operations.AttachInput{Files: []operations.AttachmentFile{f}})
		return do(tok, "POST", "/api/v1/applications/"+ref+"/attachments", string(b))
	}
	code, out := attach(solsoc, operations.AttachmentFile{Field: "statutes", Name: "statuts.pdf", Data: []byte("<html><script>1</script></html>")})
	if code != http.StatusUnprocessableEntity || !strings.Contains(out, `"field":"statutes"`) || files() != 0 {
		t.Errorf("an HTML page as statutes: %d %s, %d files kept", code, out, files())
	}
	if code, out := attach(other, operations.AttachmentFile{Field: "statutes", Name: "statuts.pdf", Data: pdf}); code != http.StatusNotFound || files() != 0 {
		t.Errorf("a file added to another organisation's application: %d %s, %d files kept", code, out, files())
	}
	code, out = attach(solsoc, operations.AttachmentFile{Field: "statutes", Name: "../statuts.pdf", Data: pdf})
	var added operations.AttachResult
	if code != 200 || json.Unmarshal([]byte(out), &added) != nil || len(added.Attachments) != 1 || added.Attachments[0].Name != "statuts.pdf" {
		t.Fatalf("statutes: %d %s", code, out)
	}
	if code, out := do(solsoc, "GET", "/api/v1/applications/"+ref+"/attachments", ""); code != 200 || !strings.Contains(out, `"media_type":"application/pdf"`) {
		t.Errorf("list: %d %s", code, out)
	}
	download := func(tok string) (*http.Response, []byte) {
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/applications/%s/attachments/%d", web.URL, ref, added.Attachments[0].ID), nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	for _, tok := range []string{solsoc, officer} {
		resp, b := download(tok)
		h := resp.Header
		if resp.StatusCode != 200 || !bytes.Equal(b, pdf) || h.Get("Content-Type") != operations.TypePDF || h.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.HasPrefix(h.Get("Content-Disposition"), "attachment") {
			t.Errorf("download: %d %q %q %q, %d bytes", resp.StatusCode, h.Get("Content-Type"), h.Get("X-Content-Type-Options"), h.Get("Content-Disposition"), len(b))
		}
	}
	if resp, b := download(other); resp.StatusCode != http.StatusNotFound || bytes.Contains(b, pdf) {
		t.Errorf("another organisation downloads: %d %s", resp.StatusCode, b)
	}
}
