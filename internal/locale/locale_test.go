package locale

import (
	"encoding/json"
	"io/fs"
	"slices"
	"testing"
)

// Every message exists in every language: a page half in French is a
// missing key, caught here rather than by a reader.
func TestCatalogsHaveTheSameMessages(t *testing.T) {
	t.Parallel()
	names, err := catalogFiles()
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string][]string{} // language → ids
	for _, name := range names {
		raw, err := fs.ReadFile(catalogs, name)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]string
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for id, text := range m {
			if text == "" {
				t.Errorf("%s: %s is empty", name, id)
			}
			keys[langOf(name)] = append(keys[langOf(name)], id)
		}
	}
	fr := keys["fr"]
	slices.Sort(fr)
	for _, l := range Languages {
		seen := map[string]bool{}
		for _, id := range keys[l] {
			if seen[id] {
				t.Errorf("%s: %s is defined in two catalog files", l, id)
			}
			seen[id] = true
		}
		for _, id := range fr {
			if !slices.Contains(keys[l], id) {
				t.Errorf("%s lacks %s", l, id)
			}
		}
		for _, id := range keys[l] {
			if !slices.Contains(fr, id) {
				t.Errorf("fr lacks %s (in %s)", id, l)
			}
		}
	}
	if _, err := Load(); err != nil {
		t.Fatal(err)
	}
}

func TestLanguageFromFileName(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]string{"fr.json": "fr", "review.nl.json": "nl", "a.b.en.json": "en"} {
		if got := langOf(name); got != want {
			t.Errorf("langOf(%s) = %s, want %s", name, got, want)
		}
	}
}
