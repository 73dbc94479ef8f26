package httpapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/millwright-cmms/millwright"
)

// countUsers counts the users called name.
func countUsers(t *testing.T, a *api, name string) int {
	t.Helper()
	n := 0
	for _, u := range a.must(200, "GET", "/api/v1/users?limit=500", nil).items() {
		if u["username"] == name {
			n++
		}
	}
	return n
}

// wantSameResponse fails unless second is a replay of first: same status,
// byte-identical body, marked as replayed.
func wantSameResponse(t *testing.T, first, second resp) {
	t.Helper()
	if second.Status != first.Status || !bytes.Equal(second.Raw, first.Raw) {
		t.Fatalf("repeat = %d %s; want the first response %d %s", second.Status, second.Raw, first.Status, first.Raw)
	}
	if second.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("repeat has Idempotent-Replayed %q; want true", second.Header.Get("Idempotent-Replayed"))
	}
}

func TestIdempotentPost(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		key := func(k string) []string { return []string{"Idempotency-Key", k} }
		body := map[string]any{"username": "ivy", "role": "planner"}

		first := a.do("POST", "/api/v1/users", a.admin, body, key("k1")...)
		if first.Status != http.StatusCreated {
			t.Fatalf("first POST = %d %s; want 201", first.Status, first.Raw)
		}
		if first.Header.Get("Idempotent-Replayed") != "" {
			t.Errorf("first response is marked replayed")
		}
		wantSameResponse(t, first, a.do("POST", "/api/v1/users", a.admin, body, key("k1")...))
		wantSameResponse(t, first, a.do("POST", "/api/v1/users", a.admin, body, key("k1")...))
		if n := countUsers(t, a, "ivy"); n != 1 {
			t.Errorf("users called ivy = %d; want 1", n)
		}
		if e := a.must(200, "GET", "/api/v1/audit?entity_id="+first.str("id"), nil).items(); len(e) != 1 {
			t.Errorf("audit entries of ivy = %d; want 1: a replay has no second effect", len(e))
		}

		// The same key with another request: another body, or another route.
		wantError(t, a.do("POST", "/api/v1/users", a.admin, map[string]any{"username": "ivy2", "role": "planner"}, key("k1")...),
			http.StatusConflict, "idempotency_key_reused")
		wantError(t, a.do("POST", "/api/v1/users?x=1", a.admin, body, key("k1")...), http.StatusConflict, "idempotency_key_reused")
		if n := countUsers(t, a, "ivy2"); n != 0 {
			t.Errorf("users called ivy2 = %d; want 0", n)
		}

		// Without a key, nothing is remembered: the repeat runs again.
		wantError(t, a.do("POST", "/api/v1/users", a.admin, body), http.StatusConflict, "duplicate_key")

		// Keys are per token: another token's k1 is a new request, run on its own.
		other := a.token("admin2", millwright.Admin, "")
		r := a.do("POST", "/api/v1/users", other, map[string]any{"username": "jay", "role": "buyer"}, key("k1")...)
		if r.Status != http.StatusCreated || r.str("username") != "jay" {
			t.Errorf("k1 from another token with another body = %d %s; want 201 jay", r.Status, r.Raw)
		}
		r = a.do("POST", "/api/v1/users", a.token("admin3", millwright.Admin, ""), body, key("k1")...)
		wantError(t, r, http.StatusConflict, "duplicate_key") // run, not replayed: ivy exists
		if r.Header.Get("Idempotent-Replayed") != "" {
			t.Errorf("k1 from a third token was replayed; want it run")
		}

		// A 4xx answer is remembered like any other.
		bad := map[string]any{"username": "kim", "role": "wizard"}
		firstBad := a.do("POST", "/api/v1/users", a.admin, bad, key("k2")...)
		wantError(t, firstBad, http.StatusBadRequest, "invalid_role")
		wantSameResponse(t, firstBad, a.do("POST", "/api/v1/users", a.admin, bad, key("k2")...))
		dup := a.do("POST", "/api/v1/users", a.admin, body, key("k3")...)
		wantError(t, dup, http.StatusConflict, "duplicate_key")
		wantSameResponse(t, dup, a.do("POST", "/api/v1/users", a.admin, body, key("k3")...))

		// A forbidden or unauthenticated call is refused before the key is
		// looked at, so it reserves nothing.
		planner := a.token("pam", millwright.Planner, "")
		wantError(t, a.do("POST", "/api/v1/users", planner, body, key("k4")...), http.StatusForbidden, "forbidden")
		wantError(t, a.do("POST", "/api/v1/users", "", body, key("k4")...), http.StatusUnauthorized, "unauthorized")

		wantError(t, a.do("POST", "/api/v1/users", a.admin, body, key(strings.Repeat("k", 256))...), http.StatusBadRequest, "bad_idempotency_key")
	})
}

// TestIdempotencyKeyExpires checks that keys are kept a day at least, and
// that an expired key is a new key.
func TestIdempotencyKeyExpires(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		var now atomic.Int64
		now.Store(time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC).UnixNano())
		a.db.Clock = func() time.Time { return time.Unix(0, now.Load()) }
		key := []string{"Idempotency-Key", "k1"}
		first := a.do("POST", "/api/v1/users", a.admin, map[string]any{"username": "lee", "role": "finance"}, key...)
		if first.Status != http.StatusCreated {
			t.Fatalf("first POST = %d %s; want 201", first.Status, first.Raw)
		}
		now.Add(int64(25 * time.Hour))
		wantSameResponse(t, first, a.do("POST", "/api/v1/users", a.admin, map[string]any{"username": "lee", "role": "finance"}, key...))
		now.Add(int64(24 * time.Hour))
		r := a.do("POST", "/api/v1/users", a.admin, map[string]any{"username": "max", "role": "finance"}, key...)
		if r.Status != http.StatusCreated || r.str("username") != "max" {
			t.Errorf("k1 after 49 hours with another body = %d %s; want 201 max: the old key has expired", r.Status, r.Raw)
		}
	})
}

// TestIdempotencyConcurrent sends one request with one key ten times at
// once: exactly one takes effect; each answer is the first response or
// 409 idempotency_key_in_use.
func TestIdempotencyConcurrent(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		body, _ := json.Marshal(map[string]any{"username": "neo", "role": "technician"})
		type answer struct {
			status int
			body   []byte
			err    error
		}
		answers := make([]answer, 10)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range answers {
			wg.Go(func() {
				<-start
				req, err := http.NewRequest("POST", a.srv.URL+"/api/v1/users", bytes.NewReader(body))
				if err != nil {
					answers[i].err = err
					return
				}
				req.Header.Set("Authorization", "Bearer "+a.admin)
				req.Header.Set("Idempotency-Key", "same")
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					answers[i].err = err
					return
				}
				defer res.Body.Close()
				answers[i].status = res.StatusCode
				answers[i].body, answers[i].err = io.ReadAll(res.Body)
			})
		}
		close(start)
		wg.Wait()

		var created []byte
		for _, an := range answers {
			if an.err != nil {
				t.Fatal(an.err)
			}
			if an.status == http.StatusCreated {
				if created != nil && !bytes.Equal(created, an.body) {
					t.Errorf("two different 201 answers: %s and %s", created, an.body)
				}
				created = an.body
			}
		}
		if created == nil {
			t.Fatalf("no request got 201: %v", answers)
		}
		for _, an := range answers {
			var e struct{ Error struct{ Code string } }
			json.Unmarshal(an.body, &e)
			if an.status != http.StatusCreated && (an.status != http.StatusConflict || e.Error.Code != "idempotency_key_in_use") {
				t.Errorf("answer %d %s; want the first response or 409 idempotency_key_in_use", an.status, an.body)
			}
		}
		if n := countUsers(t, a, "neo"); n != 1 {
			t.Errorf("users called neo = %d; want 1", n)
		}
		// Once answered, the key replays the first response.
		r := a.do("POST", "/api/v1/users", a.admin, body, "Idempotency-Key", "same")
		if r.Status != http.StatusCreated || !bytes.Equal(r.Raw, created) {
			t.Errorf("after the race = %d %s; want the first response %s", r.Status, r.Raw, created)
		}
	})
}
