package ui

import (
	"strings"
	"testing"

	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/locale"
	"github.com/callcycle/callcycle/internal/operations"
)

// The messages the file and apply pages name at run time (what a file
// waits on, a grant's stage, a tranche's due, a refused file's fault)
// are in every catalog.
func TestApplicantRuntimeMessagesExist(t *testing.T) {
	t.Parallel()
	words, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, w := range operations.Waits {
		ids = append(ids, "waiting."+string(w))
	}
	for _, s := range []string{"agreement", "running", "overdue", "review", "closing", "closed"} {
		ids = append(ids, "grant_stage."+s)
	}
	for _, on := range []string{callspec.OnSignature, callspec.OnFinalReport} {
		ids = append(ids, "payment.on_"+strings.ReplaceAll(on, "-", "_"))
	}
	for _, f := range []operations.FileFault{operations.FileEmpty, operations.FileTooBig, operations.FileWrong,
		operations.FileNoField, operations.FileTooMany, operations.FileNotASlot} {
		ids = append(ids, "attachment."+string(f))
	}
	for _, f := range operations.AttachmentFields {
		ids = append(ids, "field."+f)
	}
	for _, f := range reportFields {
		ids = append(ids, "report.bad_"+f, "field."+f)
	}
	ids = append(ids, "report.review.approved", "report.review.revise", "apply.need_association", "apply.duplicate")
	for _, f := range applyFields {
		ids = append(ids, "apply.need_"+f)
	}
	for _, lang := range locale.Languages {
		loc := words.For(lang, "")
		for _, id := range ids {
			if loc.T(id) == id {
				t.Errorf("%s is not in the %s catalog", id, lang)
			}
		}
	}
}

// Sizes and scores are written the Belgian way.
func TestApplicantFormats(t *testing.T) {
	t.Parallel()
	words, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	fr := words.For("fr", "")
	for n, want := range map[int64]string{834: "834 o", 12_500: "12,5 ko", 1_234_567: "1,2 Mo"} {
		if got := sizeText(fr, n); got != want {
			t.Errorf("sizeText(%d) = %q, want %q", n, got, want)
		}
	}
	if got := percentText(7, 8); got != "87,50 %" {
		t.Errorf("percentText(7, 8) = %q", got)
	}
}
