package xlsx_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/callcycle/callcycle/internal/xlsx"
)

func TestCopy(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	from := filepath.Join(dir, "report.xlsx")
	if err := os.WriteFile(from, []byte("workbook"), 0o600); err != nil {
		t.Fatal(err)
	}
	to := filepath.Join(dir, "copy.xlsx")
	if err := xlsx.Copy(from, to); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(to); err != nil || string(b) != "workbook" {
		t.Fatalf("copy holds %q, %v", b, err)
	}
	// The very file asked for: left as it is, not truncated by its own copy.
	if err := xlsx.Copy(from, from); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(from); string(b) != "workbook" {
		t.Fatalf("copying a file onto itself left %q", b)
	}
	// A destination that cannot be written is the person's input.
	if err := xlsx.Copy(from, filepath.Join(dir, "no", "such", "dir.xlsx")); !errors.Is(err, xlsx.ErrDestination) {
		t.Fatalf("bad destination: %v, want ErrDestination", err)
	}
	// A missing source is not.
	if err := xlsx.Copy(filepath.Join(dir, "gone.xlsx"), to); err == nil || errors.Is(err, xlsx.ErrDestination) {
		t.Fatalf("missing source: %v", err)
	}
}
