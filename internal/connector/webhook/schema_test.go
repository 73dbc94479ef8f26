package webhook_test

import (
	"bytes"
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/millwright-cmms/millwright/internal/connector/webhook"
	"github.com/millwright-cmms/millwright/internal/integration"
)

var update = flag.Bool("update", false, "rewrite docs/schemas from the Go types")

const schemaDir = "../../../docs/schemas"

// portDocs reads the doc comments of the port's types and fields, and the
// constants of its message and event kinds.
func portDocs(t *testing.T) (webhook.Docs, map[string][]string) {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "../../integration/port.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	docs, kinds := webhook.Docs{}, map[string][]string{}
	text := func(groups ...*ast.CommentGroup) string {
		for _, g := range groups {
			if s := strings.Join(strings.Fields(g.Text()), " "); g != nil && s != "" {
				return s
			}
		}
		return ""
	}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok {
			continue
		}
		for _, spec := range gd.Specs {
			switch s := spec.(type) {
			case *ast.TypeSpec:
				if s.Doc != nil || gd.Doc != nil {
					docs[s.Name.Name] = text(s.Doc, gd.Doc)
				}
				st, ok := s.Type.(*ast.StructType)
				if !ok {
					continue
				}
				for _, fld := range st.Fields.List {
					for _, n := range fld.Names {
						if fld.Doc != nil || fld.Comment != nil {
							docs[s.Name.Name+"."+n.Name] = text(fld.Comment, fld.Doc)
						}
					}
				}
			case *ast.ValueSpec:
				if id, ok := s.Type.(*ast.Ident); ok && (id.Name == "MessageKind" || id.Name == "EventKind") {
					for _, v := range s.Values {
						if lit, ok := v.(*ast.BasicLit); ok {
							kinds[id.Name] = append(kinds[id.Name], strings.Trim(lit.Value, `"`))
						}
					}
				}
			}
		}
	}
	return docs, kinds
}

// The committed JSON Schemas under docs/schemas are those of the Go types,
// and cover every message and event kind of the port. After changing the
// port, run: go test ./internal/connector/webhook -run TestSchemas -update
func TestSchemas(t *testing.T) {
	docs, kinds := portDocs(t)
	var msgs, evs []string
	for _, k := range webhook.MessageKinds {
		msgs = append(msgs, string(k))
	}
	for k := range webhook.EventPayloads {
		evs = append(evs, string(k))
	}
	for _, c := range []struct {
		name      string
		have, all []string
	}{{"MessageKind", msgs, kinds["MessageKind"]}, {"EventKind", evs, kinds["EventKind"]}} {
		slices.Sort(c.have)
		slices.Sort(c.all)
		if !slices.Equal(c.have, c.all) || len(c.all) == 0 {
			t.Errorf("the webhook connector's %ss are %q; port.go declares %q: add the new kind and its payload to schema.go", c.name, c.have, c.all)
		}
	}
	files := webhook.Schemas(docs)
	if *update {
		os.RemoveAll(schemaDir)
		for name, b := range files {
			p := filepath.Join(schemaDir, name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	committed := map[string]bool{}
	filepath.WalkDir(schemaDir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(schemaDir, p)
			committed[filepath.ToSlash(rel)] = true
		}
		return nil
	})
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(schemaDir, name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("docs/schemas/%s differs from the Go types (%v); run: go test ./internal/connector/webhook -run TestSchemas -update", name, err)
		}
		delete(committed, name)
	}
	for name := range committed {
		t.Errorf("docs/schemas/%s is not generated from any Go type; remove it, or run with -update", name)
	}
	var _ integration.Message
}
