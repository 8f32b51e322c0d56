package zones

import (
	"strings"
	"testing"
)

func TestResolveIgnoresCaseAccentsAndSpaces(t *testing.T) {
	t.Parallel()
	l := New("Territoire palestinien occupé", "Région de Bruxelles-Capitale", "Maroc (hors RRSK)",
		"territoire PALESTINIEN occupe", "  ")
	if got := l.Names(); len(got) != 3 {
		t.Fatalf("names %q: a second spelling and a blank one must not be added", got)
	}
	for in, want := range map[string]string{
		"Territoire Palestinien Occupé":       "Territoire palestinien occupé",
		"  territoire   palestinien OCCUPE ":  "Territoire palestinien occupé",
		"Territoire palestinien occupe\u0301": "Territoire palestinien occupé", // decomposed é
		"REGION DE BRUXELLES-CAPITALE":        "Région de Bruxelles-Capitale",
		"maroc (hors rrsk)":                   "Maroc (hors RRSK)",
	} {
		got, err := l.Resolve("--zone", in)
		if err != nil || got != want {
			t.Errorf("%q: got %q %v, want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"Territoire palestinien", "Maroc hors RRSK", "Gaza"} {
		_, err := l.Resolve("--zone", in)
		if err == nil || !strings.Contains(err.Error(), `"`+in+`"`) || !strings.Contains(err.Error(), "Maroc (hors RRSK)") {
			t.Errorf("%q: want an error naming it and the known zones, got %v", in, err)
		}
	}
	if _, err := New().Resolve("--zone", "x"); err == nil || !strings.Contains(err.Error(), "no zone is known") {
		t.Errorf("empty list: %v", err)
	}
	if got := l.Fold(" Ailleurs "); got != "Ailleurs" {
		t.Errorf("fold of an unknown zone: %q", got)
	}
}
