// Package locale is what the portal's pages say, in French, Dutch and
// English: message catalogs (catalog/*.json) read by go-i18n, the
// language chosen from the person's choice (a cookie) or else the
// browser's, and dates and amounts written the Belgian way.
package locale

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"

	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed catalog/*.json
var catalogs embed.FS

// Languages are the portal's, the first the default.
var Languages = []string{"fr", "nl", "en"}

// Bundle holds the catalogs.
type Bundle struct{ b *i18n.Bundle }

// Load reads the catalogs; a catalog that does not parse is an error
// (caught by the tests, not at a person's request).
func Load() (*Bundle, error) {
	b := i18n.NewBundle(language.French)
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	names, err := catalogFiles()
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		if _, err := b.LoadMessageFileFS(catalogs, name); err != nil {
			return nil, fmt.Errorf("catalog %s: %w", name, err)
		}
	}
	return &Bundle{b: b}, nil
}

// catalogFiles are the catalogs: <lang>.json, and <part>.<lang>.json
// for a part of the portal kept in its own file (go-i18n reads the
// language from the name). A file of another language is an error.
func catalogFiles() ([]string, error) {
	entries, err := fs.ReadDir(catalogs, "catalog")
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if !slices.Contains(Languages, langOf(e.Name())) {
			return nil, fmt.Errorf("catalog %s: not one of the languages %v", e.Name(), Languages)
		}
		names = append(names, "catalog/"+e.Name())
	}
	return names, nil
}

// langOf is the language of a catalog file's name.
func langOf(name string) string {
	name = strings.TrimSuffix(name, ".json")
	return name[strings.LastIndex(name, ".")+1:]
}

// Loc speaks one language.
type Loc struct {
	Lang string
	l    *i18n.Localizer
}

// For is the language of chosen (a cookie's value, may be empty) or
// else of the browser's Accept-Language, else French.
func (b *Bundle) For(chosen, acceptLanguage string) *Loc {
	tags := []string{}
	for _, l := range Languages {
		if l == chosen {
			tags = append(tags, l)
		}
	}
	tags = append(tags, acceptLanguage)
	loc := i18n.NewLocalizer(b.b, tags...)
	lang := "fr"
	if _, tag, err := loc.LocalizeWithTag(&i18n.LocalizeConfig{MessageID: "lang"}); err == nil {
		base, _ := tag.Base()
		lang = base.String()
	}
	return &Loc{Lang: lang, l: loc}
}

// T is message id, with its {{.Name}} fields from pairs ("Name", value,
// …). A missing message shows its id: a test catches it first.
func (l *Loc) T(id string, pairs ...any) string {
	data := map[string]any{}
	for i := 0; i+1 < len(pairs); i += 2 {
		data[fmt.Sprint(pairs[i])] = pairs[i+1]
	}
	s, err := l.l.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil {
		return id
	}
	return s
}

// Date is a day, Belgian style: 31/03/2030.
func (l *Loc) Date(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.In(callspec.Brussels).Format("02/01/2006")
}

// Time is a moment in Brussels time: 31/03/2030 23:59.
func (l *Loc) Time(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.In(callspec.Brussels).Format("02/01/2006 15:04")
}
