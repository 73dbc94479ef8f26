package erp_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestDependencies keeps the domain packages, the CMMS's and the ERP's, free of I/O (the store
// opens transactions, httpapi speaks HTTP) and the CMMS free of the ERP:
// the CMMS reaches the ERP only through internal/integration.
func TestDependencies(t *testing.T) {
	const mod = "github.com/millwright-cmms/millwright/"
	tests := []struct {
		dirs      []string
		forbidden []string
	}{
		{[]string{"approval", "budget", "ledger", "procurement"}, []string{"database/sql", "net/http", mod + "internal/store", mod + "internal/httpapi"}},
		{[]string{"../asset", "../inventory", "../workorder", "../pm", "../integration", "../integration/outbox", "../integration/remote"}, []string{mod + "internal/erp"}},
		{[]string{"../asset", "../inventory", "../workorder", "../pm", "../audit", "../auth"}, []string{"database/sql", "net/http", mod + "internal/store", mod + "internal/httpapi"}},
	}
	for _, tt := range tests {
		for _, dir := range tt.dirs {
			files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
			for _, f := range files {
				if strings.HasSuffix(f, "_test.go") {
					continue
				}
				src, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				af, err := parser.ParseFile(token.NewFileSet(), f, src, parser.ImportsOnly)
				if err != nil {
					t.Fatal(err)
				}
				for _, imp := range af.Imports {
					path, _ := strconv.Unquote(imp.Path.Value)
					for _, bad := range tt.forbidden {
						if path == bad || strings.HasPrefix(path, bad+"/") {
							t.Errorf("%s imports %s; it must not", f, path)
						}
					}
				}
			}
		}
	}
}
