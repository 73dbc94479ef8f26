package millwright_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/millwright-cmms/millwright/internal/mdshell"
)

var (
	shellAssign = regexp.MustCompile(`(?:^|[\s;(&|])(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=`)
	shellLoop   = regexp.MustCompile(`\b(?:for|read)\s+(?:-\w+\s+)*([A-Za-z_][A-Za-z0-9_]*)`)
	shellUse    = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)`)
	singleQuote = regexp.MustCompile(`'[^']*'`)
)

// The shell examples of the docs run as written on a fresh machine: every
// variable is set before it is used, on the same page, and no example needs
// a token pasted by hand or a tool a fresh machine lacks (uuidgen, a Linux
// /proc file, an installed millwright binary: the docs use go run).
func TestDocsShellExamples(t *testing.T) {
	files, err := filepath.Glob("docs/*.md")
	sub, _ := filepath.Glob("docs/*/*.md")
	files = append(files, sub...)
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, "README.md")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		set := map[string]bool{"HOME": true, "PATH": true, "PWD": true}
		for _, block := range mdshell.Blocks(string(b)) {
			for j, line := range block.Lines {
				where := func() string { return f + ":" + strconv.Itoa(block.Start+j) }
				code := line
				if strings.HasPrefix(strings.TrimSpace(code), "#") {
					continue
				}
				if k := strings.Index(code, " # "); k >= 0 {
					code = code[:k]
				}
				for _, m := range shellAssign.FindAllStringSubmatch(code, -1) {
					set[m[1]] = true
				}
				for _, m := range shellLoop.FindAllStringSubmatch(code, -1) {
					set[m[1]] = true
				}
				for _, m := range shellUse.FindAllStringSubmatch(singleQuote.ReplaceAllString(code, ""), -1) {
					if !set[m[1]] {
						t.Errorf("%s: $%s is used before any example on the page sets it: %s", where(), m[1], strings.TrimSpace(line))
					}
				}
				for _, bad := range []struct{ text, why string }{
					{"uuidgen", "is not installed on a fresh machine; use a key such as name-$(date +%s)"},
					{"/proc/", "exists only on Linux"},
					{"mw_…", "is a token to paste by hand; make one with go run ./cmd/millwright token create"},
				} {
					if strings.Contains(code, bad.text) {
						t.Errorf("%s: %s %s: %s", where(), bad.text, bad.why, strings.TrimSpace(line))
					}
				}
				if strings.HasPrefix(strings.TrimSpace(code), "millwright ") {
					t.Errorf("%s: the millwright binary is not installed by a checkout; use go run ./cmd/millwright: %s", where(), strings.TrimSpace(line))
				}
			}
		}
	}
}
