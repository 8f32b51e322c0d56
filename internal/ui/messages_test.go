package ui

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/callcycle/callcycle/internal/locale"
)

// Every message a template or handler names is in every catalog (a
// missing one would show its id to the reader). Ids built at run time
// (stage names) are checked by the tests of the pages that show them.
func TestEveryMessageNamedExists(t *testing.T) {
	t.Parallel()
	words, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	named := regexp.MustCompile(`(?:\.L\.T|\$\.L\.T|\bT)\s*[ (]"([a-z_]+\.[a-z0-9_.]+)"`)
	ids := map[string]string{} // id → where
	scan := func(name string, src []byte) {
		for _, m := range named.FindAllSubmatch(src, -1) {
			ids[string(m[1])] = name
		}
	}
	if err := fs.WalkDir(templateFS, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		src, err := fs.ReadFile(templateFS, path)
		scan(path, src)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	gos, _ := filepath.Glob("*.go")
	for _, g := range gos {
		src, err := os.ReadFile(g)
		if err != nil {
			t.Fatal(err)
		}
		scan(g, src)
	}
	if len(ids) < 20 {
		t.Fatalf("found only %d message ids: the pattern no longer matches how pages name them", len(ids))
	}
	for _, lang := range locale.Languages {
		loc := words.For(lang, "")
		for id, where := range ids {
			if loc.T(id) == id {
				t.Errorf("%s (%s) is not in the %s catalog", id, where, lang)
			}
		}
	}
}
