package httpapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/reading"
	"github.com/millwright-cmms/millwright/internal/store"
)

// mustMeter declares a meter on an asset as admin.
func mustMeter(t *testing.T, a *api, assetID, name, kind string) {
	t.Helper()
	a.must(201, "POST", "/api/v1/assets/"+assetID+"/meters", map[string]any{"name": name, "kind": kind})
}

func TestMeters(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		p := mustPlant(t, a)
		m := a.must(201, "POST", "/api/v1/assets/"+p.Pump+"/meters", map[string]any{"name": "vibration_mm_s", "kind": "gauge", "unit": "mm/s"})
		if m.str("asset_id") != p.Pump || m.str("kind") != "gauge" || m.str("unit") != "mm/s" || m.str("id") == "" {
			t.Fatalf("declared meter = %s", m.Raw)
		}
		mustMeter(t, a, p.Pump, "run_hours", "counter")
		wantError(t, a.do("POST", "/api/v1/assets/"+p.Pump+"/meters", a.admin, map[string]any{"name": "run_hours", "kind": "counter"}), 409, "duplicate_key")
		wantError(t, a.do("POST", "/api/v1/assets/"+p.Pump+"/meters", a.admin, map[string]any{"name": "a/b", "kind": "gauge"}), 400, "invalid_meter_name")
		wantError(t, a.do("POST", "/api/v1/assets/"+p.Pump+"/meters", a.admin, map[string]any{"name": "x", "kind": "dial"}), 400, "invalid_meter_kind")
		wantError(t, a.do("POST", "/api/v1/assets/nope/meters", a.admin, map[string]any{"name": "x", "kind": "gauge"}), 404, "not_found")

		list := a.must(200, "GET", "/api/v1/assets/"+p.Pump+"/meters", nil).items()
		if len(list) != 2 || list[0]["name"] != "run_hours" || list[1]["name"] != "vibration_mm_s" {
			t.Fatalf("meters = %v; want run_hours, vibration_mm_s", list)
		}
		// A technician records readings but does not declare meters.
		tech := a.token("tina", millwright.Technician, p.Site)
		wantError(t, a.do("POST", "/api/v1/assets/"+p.Pump+"/meters", tech, map[string]any{"name": "t", "kind": "gauge"}), 403, "forbidden")
		planner := a.token("pia", millwright.Planner, "")
		if r := a.do("POST", "/api/v1/assets/"+p.Pump+"/meters", planner, map[string]any{"name": "temp_c", "kind": "gauge"}); r.Status != 201 {
			t.Fatalf("planner declares a meter = %d %s; want 201", r.Status, r.Raw)
		}
	})
}

func TestRecordGaugeReadings(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		p := mustPlant(t, a)
		mustMeter(t, a, p.Pump, "vibration_mm_s", "gauge")
		tech := a.token("tina", millwright.Technician, p.Site)
		path := "/api/v1/assets/" + p.Pump + "/readings"

		r := a.do("POST", path, tech, map[string]any{"meter": "vibration_mm_s", "value": 4.2, "at": "2026-11-01T10:00:00+01:00"})
		if r.Status != 201 || r.str("at") != "2026-11-01T09:00:00Z" || r.Body["value"] != 4.2 || r.Body["total"] != 4.2 ||
			r.str("source") != "http" || r.str("recorded_by") != "tina" || r.Body["duplicate"] != false {
			t.Fatalf("record = %d %s", r.Status, r.Raw)
		}
		// Gauges go up and down, in any order.
		for _, v := range []struct {
			at    string
			value float64
		}{{"2026-11-01T11:00:00Z", 7.5}, {"2026-11-01T08:00:00Z", 3.1}, {"2026-11-01T12:00:00Z", 2.0}} {
			if r := a.do("POST", path, tech, map[string]any{"meter": "vibration_mm_s", "value": v.value, "at": v.at}); r.Status != 201 {
				t.Fatalf("record %v = %d %s", v, r.Status, r.Raw)
			}
		}
		// The same reading again is ignored: 200, the first one, nothing new stored.
		dup := a.do("POST", path, tech, map[string]any{"meter": "vibration_mm_s", "value": 4.2, "at": "2026-11-01T09:00:00Z"})
		if dup.Status != 200 || dup.Body["duplicate"] != true || dup.str("id") != r.str("id") {
			t.Fatalf("duplicate = %d %s; want 200 with the first reading", dup.Status, dup.Raw)
		}
		wantError(t, a.do("POST", path, tech, map[string]any{"meter": "vibration_mm_s", "value": 5, "at": "2026-11-01T09:00:00Z"}), 409, "reading_conflict")

		list := a.must(200, "GET", path+"?meter=vibration_mm_s", nil).items()
		var got []string
		for _, it := range list {
			got = append(got, fmt.Sprintf("%s=%v", it["at"], it["value"]))
		}
		want := "[2026-11-01T08:00:00Z=3.1 2026-11-01T09:00:00Z=4.2 2026-11-01T11:00:00Z=7.5 2026-11-01T12:00:00Z=2]"
		if fmt.Sprint(got) != want {
			t.Fatalf("readings = %v; want %s", got, want)
		}
		// from is inclusive, to exclusive; paging follows time order.
		win := a.must(200, "GET", path+"?from=2026-11-01T09:00:00Z&to=2026-11-01T12:00:00Z&limit=1", nil)
		if it := win.items(); len(it) != 1 || it[0]["value"] != 4.2 || win.str("next_cursor") == "" {
			t.Fatalf("first page = %s", win.Raw)
		}
		win = a.must(200, "GET", path+"?from=2026-11-01T09:00:00Z&to=2026-11-01T12:00:00Z&limit=1&cursor="+win.str("next_cursor"), nil)
		if it := win.items(); len(it) != 1 || it[0]["value"] != 7.5 || win.str("next_cursor") != "" {
			t.Fatalf("second page = %s", win.Raw)
		}
		wantError(t, a.do("GET", path+"?from=yesterday", tech, nil), 400, "invalid_time")

		// Refusals.
		wantError(t, a.do("POST", path, tech, map[string]any{"meter": "temp_c", "value": 1}), 422, "unknown_meter")
		wantError(t, a.do("POST", path, tech, map[string]any{"meter": "vibration_mm_s"}), 400, "missing_field")
		wantError(t, a.do("POST", path, tech, map[string]any{"meter": "vibration_mm_s", "value": 1, "at": "today"}), 400, "invalid_time")
		wantError(t, a.do("POST", path, tech, map[string]any{"meter": "vibration_mm_s", "value": 1, "replacement": true}), 400, "replacement_on_gauge")
		wantError(t, a.do("POST", "/api/v1/assets/nope/readings", tech, map[string]any{"meter": "x", "value": 1}), 404, "not_found")
		// Site scope and roles.
		wantError(t, a.do("POST", "/api/v1/assets/"+p.SouthAsset+"/readings", tech, map[string]any{"meter": "x", "value": 1}), 403, "site_forbidden")
		wantError(t, a.do("GET", "/api/v1/assets/"+p.SouthAsset+"/readings", tech, nil), 403, "site_forbidden")
		buyer := a.token("bob", millwright.Buyer, "")
		wantError(t, a.do("POST", path, buyer, map[string]any{"meter": "vibration_mm_s", "value": 1}), 403, "forbidden")
		if r := a.do("GET", path, buyer, nil); r.Status != 200 || len(r.items()) != 4 {
			t.Fatalf("buyer reads readings = %d %s", r.Status, r.Raw)
		}
		// Every reading is in the audit trail.
		audit := a.must(200, "GET", "/api/v1/audit?entity_type=reading&entity_id="+r.str("id"), nil).items()
		if len(audit) != 1 || audit[0]["action"] != "record" {
			t.Fatalf("audit of the reading = %v", audit)
		}
	})
}

func TestRecordCounterReadings(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		p := mustPlant(t, a)
		mustMeter(t, a, p.Pump, "run_hours", "counter")
		path := "/api/v1/assets/" + p.Pump + "/readings"
		rec := func(value float64, at string, replacement bool) resp {
			return a.do("POST", path, a.admin, map[string]any{"meter": "run_hours", "value": value, "at": at, "replacement": replacement})
		}
		total := func(r resp) any { t.Helper(); return r.Body["total"] }

		if r := rec(1000, "2026-11-01T00:00:00Z", false); r.Status != 201 || total(r) != 1000.0 {
			t.Fatalf("first = %d %s; want total 1000", r.Status, r.Raw)
		}
		if r := rec(1100, "2026-11-03T00:00:00Z", false); r.Status != 201 || total(r) != 1100.0 {
			t.Fatalf("second = %d %s; want total 1100", r.Status, r.Raw)
		}
		// A gap may be filled where the value fits between its neighbours.
		if r := rec(1050, "2026-11-02T00:00:00Z", false); r.Status != 201 || total(r) != 1050.0 {
			t.Fatalf("in between = %d %s; want total 1050", r.Status, r.Raw)
		}
		wantError(t, rec(1200, "2026-11-02T12:00:00Z", false), 422, "counter_out_of_order")
		// Backwards is refused, and the message says what to do.
		back := rec(20, "2026-11-04T00:00:00Z", false)
		wantError(t, back, 422, "counter_backwards")
		if msg := back.Body["error"].(map[string]any)["message"].(string); !strings.Contains(msg, `"replacement": true`) {
			t.Fatalf("message %q does not say to mark a replacement", msg)
		}
		wantError(t, rec(-1, "2026-11-04T00:00:00Z", false), 422, "counter_negative")
		// A replacement: the new meter counts from its own value, and the
		// total goes on from 1100.
		if r := rec(20, "2026-11-04T00:00:00Z", true); r.Status != 201 || total(r) != 1120.0 || r.Body["replacement"] != true {
			t.Fatalf("replacement = %d %s; want total 1120", r.Status, r.Raw)
		}
		if r := rec(70, "2026-11-05T00:00:00Z", false); r.Status != 201 || total(r) != 1170.0 {
			t.Fatalf("after replacement = %d %s; want total 1170", r.Status, r.Raw)
		}
		// Nothing of the old meter may go in before the replacement now,
		// and a replacement must be the latest reading.
		wantError(t, rec(1101, "2026-11-03T12:00:00Z", false), 422, "counter_out_of_order")
		wantError(t, rec(5, "2026-11-04T12:00:00Z", true), 422, "replacement_not_latest")
		// Redelivery of the replacement is a duplicate, not a second replacement.
		if r := rec(20, "2026-11-04T00:00:00Z", true); r.Status != 200 || r.Body["duplicate"] != true || total(r) != 1120.0 {
			t.Fatalf("replacement again = %d %s; want 200 duplicate", r.Status, r.Raw)
		}
		list := a.must(200, "GET", path+"?meter=run_hours", nil).items()
		var totals []any
		for _, it := range list {
			totals = append(totals, it["total"])
		}
		if fmt.Sprint(totals) != "[1000 1050 1100 1120 1170]" {
			t.Fatalf("totals = %v; want [1000 1050 1100 1120 1170]", totals)
		}
	})
}

func TestRecordReadingIdempotencyKey(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		p := mustPlant(t, a)
		mustMeter(t, a, p.Pump, "cycles", "counter")
		path := "/api/v1/assets/" + p.Pump + "/readings"
		body := map[string]any{"meter": "cycles", "value": 10}
		first := a.do("POST", path, a.admin, body, "Idempotency-Key", "k1")
		again := a.do("POST", path, a.admin, body, "Idempotency-Key", "k1")
		if first.Status != 201 || again.Status != 201 || first.str("id") != again.str("id") || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("first %d %s, again %d %s; want the same 201", first.Status, first.Raw, again.Status, again.Raw)
		}
		if n := len(a.must(200, "GET", path, nil).items()); n != 1 {
			t.Fatalf("%d readings; want 1", n)
		}
	})
}

func TestUnmatchedReadingsList(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		p := mustPlant(t, a)
		err := a.db.InTx(t.Context(), func(tx *store.Tx) error {
			for _, u := range []reading.Unmatched{
				{SiteID: p.Site, Topic: "millwright/NORTH/P-101/temp_c", Payload: `{"value":1}`, Code: "unknown_meter", Reason: "asset P-101 has no meter temp_c"},
				{SiteID: p.OtherSite, Topic: "millwright/SOUTH/X/temp_c", Payload: `{"value":1}`, Code: "unknown_asset", Reason: "no asset X"},
				{Topic: "millwright/WEST/X/temp_c", Payload: `{"value":1}`, Code: "unknown_site", Reason: "no site WEST"},
			} {
				if err := tx.AddUnmatched(t.Context(), &u); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		codes := func(r resp) []any {
			t.Helper()
			if r.Status != 200 {
				t.Fatalf("list = %d %s", r.Status, r.Raw)
			}
			var out []any
			for _, it := range r.items() {
				out = append(out, it["code"])
			}
			return out
		}
		path := "/api/v1/readings/unmatched"
		if got := codes(a.do("GET", path, a.token("ian", millwright.Integration, ""), nil)); fmt.Sprint(got) != "[unknown_meter unknown_asset unknown_site]" {
			t.Fatalf("integration sees %v; want all three", got)
		}
		planner := a.token("pia", millwright.Planner, p.Site)
		if got := codes(a.do("GET", path, planner, nil)); fmt.Sprint(got) != "[unknown_meter]" {
			t.Fatalf("planner of NORTH sees %v; want NORTH's only", got)
		}
		wantError(t, a.do("GET", path+"?site_id="+p.OtherSite, planner, nil), 403, "site_forbidden")
		if got := codes(a.do("GET", path+"?site_id="+p.OtherSite+"&limit=1", a.admin, nil)); fmt.Sprint(got) != "[unknown_asset]" {
			t.Fatalf("admin asking for SOUTH sees %v", got)
		}
		wantError(t, a.do("GET", path, a.token("tina", millwright.Technician, ""), nil), 403, "forbidden")
	})
}

func TestEnsureMeter(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		p := mustPlant(t, a)
		ensure := func(name string, kind reading.Kind) (string, error) {
			var id string
			err := a.db.InTx(t.Context(), func(tx *store.Tx) error {
				m, err := reading.EnsureMeter(t.Context(), tx, p.Pump, name, kind)
				if m != nil {
					id = m.ID
				}
				return err
			})
			return id, err
		}
		first, err := ensure("run_hours", reading.Counter)
		if err != nil {
			t.Fatal(err)
		}
		if again, err := ensure("run_hours", reading.Counter); err != nil || again != first {
			t.Fatalf("EnsureMeter again = %s, %v; want %s", again, err, first)
		}
		if _, err := ensure("run_hours", reading.Gauge); millwright.ErrorCode(err) != "meter_kind_mismatch" {
			t.Fatalf("EnsureMeter as a gauge = %v; want meter_kind_mismatch", err)
		}
		if r := a.do("POST", "/api/v1/assets/"+p.Pump+"/readings", a.admin, map[string]any{"meter": "run_hours", "value": 5}); r.Status != 201 {
			t.Fatalf("reading of the ensured meter = %d %s", r.Status, r.Raw)
		}
	})
}

func TestReplayUnmatchedReading(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		p := mustPlant(t, a)
		add := func(siteID, topic, payload, code string) string {
			u := reading.Unmatched{SiteID: siteID, Topic: topic, Payload: payload, Code: code, Reason: "r"}
			if err := a.db.InTx(t.Context(), func(tx *store.Tx) error { return tx.AddUnmatched(t.Context(), &u) }); err != nil {
				t.Fatal(err)
			}
			return u.ID
		}
		temp := add(p.Site, "millwright/NORTH/P-101/temp_c", `{"value":81}`, "unknown_meter")
		bad := add(p.Site, "millwright/NORTH/P-101/temp_c", `high`, "bad_payload")
		west := add("", "millwright/WEST/P-1/temp_c", `{"value":1}`, "unknown_site")
		planner := a.token("pia", millwright.Planner, p.Site)
		replay := func(id, token string) resp {
			return a.do("POST", "/api/v1/readings/unmatched/"+id+"/replay", token, nil)
		}

		// Still unknown: refused, and nothing changes.
		wantError(t, replay(temp, planner), 422, "unknown_meter")
		mustMeter(t, a, p.Pump, "temp_c", "gauge")
		r := replay(temp, planner)
		if r.Status != 200 || r.str("status") != "resolved" || r.str("resolved_by") != "pia" || r.str("reading_id") == "" {
			t.Fatalf("replay = %d %s", r.Status, r.Raw)
		}
		readings := a.must(200, "GET", "/api/v1/assets/"+p.Pump+"/readings?meter=temp_c", nil).items()
		if len(readings) != 1 || readings[0]["id"] != r.str("reading_id") || readings[0]["value"] != 81.0 ||
			readings[0]["source"] != "mqtt" || readings[0]["recorded_by"] != "pia" || readings[0]["at"] != r.str("received_at") {
			t.Fatalf("readings after replay = %v; want one, at the message's receipt", readings)
		}
		wantError(t, replay(temp, planner), 409, "already_resolved")
		wantError(t, replay(bad, planner), 422, "cannot_replay")
		wantError(t, replay(west, planner), 403, "site_forbidden")
		wantError(t, replay("umr_nope", planner), 404, "not_found")
		wantError(t, replay(bad, a.token("tina", millwright.Technician, "")), 403, "forbidden")

		ids := func(q string) string {
			var out []string
			for _, it := range a.must(200, "GET", "/api/v1/readings/unmatched"+q, nil).items() {
				out = append(out, it["id"].(string))
			}
			return strings.Join(out, " ")
		}
		if got := ids(""); got != bad+" "+west {
			t.Errorf("open = %s; want %s %s", got, bad, west)
		}
		if got := ids("?status=resolved"); got != temp {
			t.Errorf("resolved = %s; want %s", got, temp)
		}
		if got := ids("?status=all"); got != temp+" "+bad+" "+west {
			t.Errorf("all = %s", got)
		}
		wantError(t, a.do("GET", "/api/v1/readings/unmatched?status=done", a.admin, nil), 400, "invalid_status")
		if audit := a.must(200, "GET", "/api/v1/audit?entity_type=unmatched_reading&entity_id="+temp, nil).items(); len(audit) != 1 {
			t.Errorf("audit of the replay = %v", audit)
		}
	})
}
