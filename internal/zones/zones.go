// Package zones is the kept list of zones money is charged to (issue 11,
// point 8). The annual report sums money by zone, so one zone typed two
// ways ("Territoire Palestinien Occupé", "territoire palestinien occupé")
// would print as two lines: every zone an officer types is matched
// against the kept list without regard to case, accents and spacing, and
// stored in the kept spelling; a zone not on the list is refused.
//
// The list is the configured zones (table zones, seeded by migration
// 00007 with the 2024 report's zones) followed by every launched call's
// regions. The package is pure (no I/O) so workflow validators can use it.
package zones

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Key is what two spellings of one zone share: lower case, accents
// dropped, surrounding spaces trimmed and inner runs of spaces made one.
// Punctuation is kept: "Maroc (hors RRSK)" is not "Maroc hors RRSK".
func Key(s string) string {
	var b strings.Builder
	space := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r): // the accent of a decomposed letter
		case unicode.IsSpace(r):
			space = true
		default:
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// List is the kept zones, in the order they were given (configured zones
// first). The first spelling of a key is the kept one.
type List struct {
	kept []string
	keys map[string]string
}

// New builds a list; later spellings of a zone already on it are dropped,
// as are blank ones.
func New(names ...string) List {
	l := List{keys: map[string]string{}}
	for _, n := range names {
		l.Add(n)
	}
	return l
}

// Add puts a zone on the list unless one of its spellings is there.
func (l *List) Add(name string) {
	k := Key(name)
	if k == "" {
		return
	}
	if l.keys == nil {
		l.keys = map[string]string{}
	}
	if _, ok := l.keys[k]; ok {
		return
	}
	l.keys[k] = strings.Join(strings.Fields(name), " ")
	l.kept = append(l.kept, l.keys[k])
}

// Names is the kept spellings.
func (l List) Names() []string { return append([]string(nil), l.kept...) }

// Kept returns the kept spelling of a zone, if it is on the list.
func (l List) Kept(name string) (string, bool) {
	z, ok := l.keys[Key(name)]
	return z, ok
}

// Resolve returns the kept spelling of a zone, or an error naming the
// value and listing the known zones, as an officer needs to retype it.
func (l List) Resolve(field, name string) (string, error) {
	if z, ok := l.Kept(name); ok {
		return z, nil
	}
	if len(l.kept) == 0 {
		return "", fmt.Errorf("%s: unknown zone %q (no zone is known yet: launch a call or add one to the zones table)", field, strings.TrimSpace(name))
	}
	quoted := make([]string, len(l.kept))
	for i, z := range l.kept {
		quoted[i] = strconv.Quote(z)
	}
	return "", fmt.Errorf("%s: unknown zone %q (known zones: %s)", field, strings.TrimSpace(name), strings.Join(quoted, ", "))
}

// Fold returns the kept spelling of a zone on the list, or the zone as
// given (trimmed) when it is not: the annual report uses it on rows
// recorded before zones were kept, so old spellings add up to one line.
func (l List) Fold(name string) string {
	if z, ok := l.Kept(name); ok {
		return z
	}
	return strings.TrimSpace(name)
}
