package annual

import (
	"bytes"
	"os"
	"testing"
)

func TestLocalRender(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, report2024()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("/tmp/annual-2024.xlsx", buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
