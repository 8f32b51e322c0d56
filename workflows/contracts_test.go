package workflows_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// TestPayloadsHaveJSONTags: every exported field of every struct that
// crosses Temporal (workflow, activity, update, query and signal payloads,
// the state carried across continue-as-new, and what they contain from
// other packages) has a json tag. Without one, renaming a Go field renames
// the payload's key and the next run silently reads a zero value.
//
// The tag must equal the field name apart from case: histories recorded
// before the tags were added spell keys as the field names, and
// encoding/json matches keys case-insensitively, so those still decode.
// A real rename keeps the old tag.
func TestPayloadsHaveJSONTags(t *testing.T) {
	t.Parallel()
	types := map[string]typeDecl{} // "pkg.Type" → declaration
	var roots []string
	for _, dir := range []string{".", "../activities", "../internal/callspec", "../internal/grantspec",
		"../internal/selection", "../internal/money", "../internal/annual", "../internal/scoring", "../internal/intake", "../mailtemplates"} {
		pkg := parsePackage(t, dir, types)
		// mailtemplates: the grant mails' data is an activity input
		// (activities.GrantMailInput.Data, an interface the scan cannot follow).
		if dir != "." && dir != "../activities" && dir != "../mailtemplates" {
			continue
		}
		for key, d := range types {
			// Activities is the activities' dependency struct, Rendered a
			// mail's text: not payloads.
			if d.pkg == pkg && ast.IsExported(d.name) && key != "activities.Activities" && key != "mailtemplates.Rendered" {
				roots = append(roots, key)
			}
		}
	}
	seen := map[string]bool{}
	var visit func(key, via string)
	visit = func(key, via string) {
		d, ok := types[key]
		if !ok || seen[key] {
			return
		}
		seen[key] = true
		for _, f := range d.st.Fields.List {
			for _, ref := range typeRefs(f.Type, d.pkg, d.imports) {
				visit(ref, key)
			}
			for _, n := range f.Names {
				if !n.IsExported() {
					continue
				}
				tag := ""
				if f.Tag != nil {
					raw, _ := strconv.Unquote(f.Tag.Value)
					tag, _, _ = strings.Cut(reflect.StructTag(raw).Get("json"), ",")
				}
				switch {
				case tag == "":
					t.Errorf("%s: %s.%s has no json tag (reached from %s)", d.pos, key, n.Name, via)
				case tag != "-" && !strings.EqualFold(tag, n.Name):
					t.Errorf("%s: %s.%s is tagged %q; keep the field's name (any case) so recorded histories decode", d.pos, key, n.Name, tag)
				}
			}
		}
	}
	for _, r := range roots {
		visit(r, "a workflow or activity package")
	}
	if len(seen) < 50 {
		t.Fatalf("only %d payload types found; is the scan looking at the right packages?", len(seen))
	}
}

type typeDecl struct {
	pkg, name, pos string
	st             *ast.StructType
	imports        map[string]string // local name → package name
}

// parsePackage records the struct types of dir's non-test files.
func parsePackage(t *testing.T, dir string, types map[string]typeDecl) string {
	t.Helper()
	fs := token.NewFileSet()
	pkgs, err := parser.ParseDir(fs, dir, func(fi os.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	var name string
	for pname, p := range pkgs {
		name = pname
		for _, f := range p.Files {
			imports := map[string]string{}
			for _, im := range f.Imports {
				path, _ := strconv.Unquote(im.Path.Value)
				local := filepath.Base(path)
				if im.Name != nil {
					local = im.Name.Name
				}
				imports[local] = filepath.Base(path)
			}
			for _, decl := range f.Decls {
				g, ok := decl.(*ast.GenDecl)
				if !ok {
					continue
				}
				for _, spec := range g.Specs {
					ts, ok := spec.(*ast.TypeSpec)
					if !ok {
						continue
					}
					if st, ok := ts.Type.(*ast.StructType); ok {
						types[pname+"."+ts.Name.Name] = typeDecl{pkg: pname, name: ts.Name.Name, pos: fs.Position(ts.Pos()).String(), st: st, imports: imports}
					}
				}
			}
		}
	}
	return name
}

// typeRefs lists the named types an expression mentions, as "pkg.Type".
func typeRefs(e ast.Expr, pkg string, imports map[string]string) []string {
	switch x := e.(type) {
	case *ast.Ident:
		return []string{pkg + "." + x.Name}
	case *ast.SelectorExpr:
		if id, ok := x.X.(*ast.Ident); ok {
			return []string{imports[id.Name] + "." + x.Sel.Name}
		}
	case *ast.StarExpr:
		return typeRefs(x.X, pkg, imports)
	case *ast.ArrayType:
		return typeRefs(x.Elt, pkg, imports)
	case *ast.MapType:
		return append(typeRefs(x.Key, pkg, imports), typeRefs(x.Value, pkg, imports)...)
	}
	return nil
}
