package report_test

import (
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/report"
)

func TestBacklogBuckets(t *testing.T) {
	asOf := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	ago := func(days int, hours time.Duration) time.Time { return asOf.AddDate(0, 0, -days).Add(-hours) }
	b := report.ComputeBacklog(asOf, []report.OpenWorkOrder{
		{Priority: 1, CreatedAt: ago(0, 0)},
		{Priority: 1, CreatedAt: ago(7, 23*time.Hour)}, // 7 whole days
		{Priority: 2, CreatedAt: ago(8, 0)},
		{Priority: 2, CreatedAt: ago(30, 0)},
		{Priority: 3, CreatedAt: ago(31, 0)},
		{Priority: 3, CreatedAt: ago(90, 0)},
		{Priority: 4, CreatedAt: ago(91, 0)},
		{Priority: 4, CreatedAt: asOf.Add(time.Hour)}, // created after as_of: age 0
	})
	got := fmt.Sprintf("%+v %+v", b.Total, b.ByPriority)
	want := "{Priority:0 Total:8 Days0to7:3 Days8to30:2 Days31to90:2 DaysOver90:1} " +
		"[{Priority:1 Total:2 Days0to7:2 Days8to30:0 Days31to90:0 DaysOver90:0} " +
		"{Priority:2 Total:2 Days0to7:0 Days8to30:2 Days31to90:0 DaysOver90:0} " +
		"{Priority:3 Total:2 Days0to7:0 Days8to30:0 Days31to90:2 DaysOver90:0} " +
		"{Priority:4 Total:2 Days0to7:1 Days8to30:0 Days31to90:0 DaysOver90:1}]"
	if got != want {
		t.Fatalf("backlog =\n%s\nwant\n%s", got, want)
	}
}

func TestReliabilityNoAssetsNoFailures(t *testing.T) {
	w := report.Window{From: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 1, 1, 12, 30, 0, 0, time.UTC)}
	r := report.ComputeReliability(w, report.ByClass, []report.AssetInfo{{ID: "a", Tag: "A"}, {ID: "b", Tag: "B", ClassID: "c", ClassCode: "C"}},
		[]report.Failure{{AssetID: "b", DowntimeHours: millwright.MustQty("0.25")}, {AssetID: "unknown", DowntimeHours: millwright.MustQty("9")}})
	if r.PeriodHours.String() != "12.5" || len(r.Items) != 2 {
		t.Fatalf("report = %+v", r)
	}
	if a := r.Items[0]; a.ClassCode != "" || a.Failures != 0 || a.MTBFHours != nil || a.OperatingHours.String() != "12.5" {
		t.Errorf("classless group = %+v", a)
	}
	if c := r.Items[1]; c.Failures != 1 || c.MTBFHours.String() != "12.25" || c.MTTRHours.String() != "0.25" {
		t.Errorf("class C = %+v; want MTBF 12.25, MTTR 0.25", c)
	}
}

// TestDependencies keeps the domain packages of readings and reports free
// of I/O: the store runs the SQL, httpapi and ingest speak to the world.
func TestDependencies(t *testing.T) {
	const mod = "github.com/millwright-cmms/millwright/"
	forbidden := []string{"database/sql", "net/http", mod + "internal/store", mod + "internal/httpapi", mod + "internal/ingest", "github.com/eclipse/paho.golang"}
	for _, dir := range []string{".", "../reading"} {
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
				for _, bad := range forbidden {
					if path == bad || strings.HasPrefix(path, bad+"/") {
						t.Errorf("%s imports %s; it must not", f, path)
					}
				}
			}
		}
	}
}
