// Package odoofake is a fake Odoo 19 server speaking the JSON-2 API
// (POST /json/2/<model>/<method>, bearer API key), built from the
// fields_get answers of a real Odoo 19.0 Community server kept in
// testdata/. It accepts exactly what those files allow — an unknown
// field, a missing required one, a read-only one written, a value of the
// wrong type or outside a selection, a many2one to a record that does not
// exist are refused in Odoo's error shape and status — and plays Odoo's
// side of the procure-to-pay flow: confirming a purchase order makes its
// receipt, validating the receipt raises stock, a bill is made from the
// order and posted.
//
// It is a test double, not an Odoo: it keeps its records in memory, runs
// one call at a time, and knows the handful of methods a connector calls.
package odoofake

import (
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

//go:embed testdata/*.json
var specs embed.FS

// Field is one field of a model, as fields_get describes it.
type Field struct {
	Type      string  `json:"type"`
	Relation  string  `json:"relation"`
	Required  bool    `json:"required"`
	Readonly  bool    `json:"readonly"`
	String    string  `json:"string"`
	Selection [][]any `json:"selection"`
}

func (f Field) allows(v string) bool {
	for _, s := range f.Selection {
		if len(s) > 0 && s[0] == v {
			return true
		}
	}
	return false
}

// Record is a stored record: field name to value. Many2one values are ints
// (0: none), x2many values []int, char-like values strings, numbers
// float64 or int, booleans bool.
type Record map[string]any

// Call is one request the fake answered, for tests that count calls.
type Call struct {
	Model, Method string
	Status        int
}

// Fault is what Intercept asks of one call.
type Fault struct {
	// Status, when not zero, answers the call with this status and an
	// Odoo-shaped error instead of running it (429, 503, ...).
	Status int
	// RetryAfter is sent as the Retry-After header with Status.
	RetryAfter string
	// DropAfterApply runs the call, keeps its effect, and then cuts the
	// connection before the answer is written: the client sees the
	// connection close, as after a timeout.
	DropAfterApply bool
}

// Server is a fake Odoo 19. Use New; it is an http.Handler.
type Server struct {
	// APIKey is the bearer key calls must carry.
	APIKey string
	// Now is the server's clock; write_date, create_date, date_done and
	// the like are read from it, in UTC, to the second.
	Now func() time.Time
	// TaxRate is the purchase tax on order and bill lines (Odoo's generic
	// chart has 15 %).
	TaxRate   float64
	mu        sync.Mutex
	intercept func(model, method string) Fault // see SetIntercept
	fields    map[string]map[string]Field
	recs      map[string]map[int]Record
	next      map[string]int
	calls     []Call
	action    json.RawMessage // the Bills window action action_create_invoice answers
}

// SetIntercept makes f be asked before each call (nil: no more): the
// fault it answers is played instead of the call; see Fault. It may be
// changed while the server serves.
func (s *Server) SetIntercept(f func(model, method string) Fault) {
	s.mu.Lock()
	s.intercept = f
	s.mu.Unlock()
}

// New returns a fake Odoo with the models of testdata/, the records a new
// Odoo database with purchase, stock, account and maintenance installed
// starts with (company, warehouse WH and its locations, units, accounts,
// a maintenance team), and key as its API key.
func New(key string) *Server {
	s := &Server{APIKey: key, TaxRate: 0.15, fields: map[string]map[string]Field{},
		recs: map[string]map[int]Record{}, next: map[string]int{}}
	entries, err := specs.ReadDir("testdata")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		name := strings.TrimSuffix(e.Name(), ".json")
		b, err := specs.ReadFile("testdata/" + e.Name())
		if err != nil {
			panic(err)
		}
		if strings.HasPrefix(name, "odoo19_") {
			continue
		}
		var fs map[string]Field
		if err := json.Unmarshal(b, &fs); err != nil {
			panic(fmt.Sprintf("odoofake: %s: %v", e.Name(), err))
		}
		s.fields[name] = fs
	}
	for name, fs := range support {
		s.fields[name] = fs
	}
	s.action = billsAction()
	s.seed()
	return s
}

// Transcript is the recorded session of a real Odoo 19 the fake is
// checked against: each call's request and answer.
func Transcript() ([]byte, error) {
	return specs.ReadFile("testdata/odoo19_json2_p2p_transcript.json")
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Second)
	}
	return time.Now().UTC().Truncate(time.Second)
}

func (s *Server) stamp() string { return s.now().Format(DateTime) }

// DateTime is Odoo's layout of a datetime, in UTC.
const DateTime = "2006-01-02 15:04:05"

// Calls returns the calls answered so far.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// SetNextID makes the next record created in model get id: the recorded
// transcript's ids come from a database with history, and a replay starts
// each sequence where the recording did.
func (s *Server) SetNextID(model string, id int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next[model] = id
}

// odooError is an error answered in Odoo's JSON-2 shape.
type odooError struct {
	status    int
	name      string
	message   string
	arguments []any
}

func (e *odooError) Error() string { return e.name + ": " + e.message }

func userError(msg string) *odooError {
	return &odooError{status: 422, name: "odoo.exceptions.UserError", message: msg}
}

func validationError(msg string) *odooError {
	return &odooError{status: 422, name: "odoo.exceptions.ValidationError", message: msg}
}

// valueError is what Odoo answers for a call its ORM cannot read (an
// unknown field, a value of the wrong type): a Python ValueError, which
// JSON-2 answers as 500.
func valueError(msg string) *odooError {
	return &odooError{status: 500, name: "builtins.ValueError", message: msg}
}

func missingError(model string, id int) *odooError {
	return &odooError{status: 404, name: "odoo.exceptions.MissingError",
		message: fmt.Sprintf("Record does not exist or has been deleted.\n(Record: %s(%d,), User: 2)", model, id)}
}

func notFound(msg string) *odooError {
	return &odooError{status: 404, name: "werkzeug.exceptions.NotFound", message: msg, arguments: []any{msg, 404}}
}

func (s *Server) writeError(w http.ResponseWriter, e *odooError) {
	args := e.arguments
	if args == nil {
		args = []any{e.message}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(e.status)
	// The recorded answers carry no "debug" key (Odoo adds the traceback
	// there only in debug mode), so neither does the fake.
	_ = json.NewEncoder(w).Encode(map[string]any{"name": e.name, "message": e.message, "arguments": args, "context": map[string]any{}})
}

// ServeHTTP answers POST /json/2/<model>/<method>.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/json/2/")
	model, method, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 || r.Method != http.MethodPost {
		s.writeError(w, notFound("The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again."))
		return
	}
	auth := r.Header.Get("Authorization")
	scheme, key, _ := strings.Cut(auth, " ")
	if !strings.EqualFold(scheme, "bearer") || key == "" || key != s.APIKey {
		w.Header().Set("WWW-Authenticate", `Bearer realm="Odoo"`)
		s.writeError(w, &odooError{status: 401, name: "werkzeug.exceptions.Unauthorized", message: "Invalid apikey",
			arguments: []any{"Invalid apikey", 401}})
		s.log(model, method, 401)
		return
	}
	var fault Fault
	s.mu.Lock()
	intercept := s.intercept
	s.mu.Unlock()
	if intercept != nil {
		fault = intercept(model, method)
	}
	if fault.Status != 0 {
		if fault.RetryAfter != "" {
			w.Header().Set("Retry-After", fault.RetryAfter)
		}
		name := "werkzeug.exceptions.ServiceUnavailable"
		msg := "The server is temporarily unable to service your request."
		if fault.Status == http.StatusTooManyRequests {
			name, msg = "werkzeug.exceptions.TooManyRequests", "This user or client has sent too many requests in a given amount of time."
		}
		s.writeError(w, &odooError{status: fault.Status, name: name, message: msg, arguments: []any{msg, fault.Status}})
		s.log(model, method, fault.Status)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		return
	}
	var params map[string]json.RawMessage
	if len(strings.TrimSpace(string(body))) > 0 {
		if err := json.Unmarshal(body, &params); err != nil {
			s.writeError(w, &odooError{status: 400, name: "werkzeug.exceptions.BadRequest",
				message: "could not parse the body as json: " + err.Error()})
			s.log(model, method, 400)
			return
		}
	}
	s.mu.Lock()
	out, oerr := s.call(model, method, params)
	s.mu.Unlock()
	if fault.DropAfterApply {
		s.log(model, method, 0)
		panic(http.ErrAbortHandler) // the effect stays; the answer never arrives
	}
	if oerr != nil {
		s.writeError(w, oerr)
		s.log(model, method, oerr.status)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(out)
	s.log(model, method, 200)
}

func (s *Server) log(model, method string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, Call{Model: model, Method: method, Status: status})
}

// Call runs one JSON-2 call in process, as ServeHTTP would, and returns
// its JSON answer or an error in Odoo's shape: for tests acting as an
// Odoo user.
func (s *Server) Call(model, method string, params map[string]any) (json.RawMessage, error) {
	b, err := json.Marshal(params)
	if err != nil {
		return nil, err
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, err
	}
	s.mu.Lock()
	out, oerr := s.call(model, method, raw)
	s.mu.Unlock()
	if oerr != nil {
		return nil, oerr
	}
	return json.Marshal(out)
}

func (s *Server) call(model, method string, p map[string]json.RawMessage) (any, *odooError) {
	if _, ok := s.fields[model]; !ok {
		return nil, notFound(fmt.Sprintf("the model '%s' does not exist", model))
	}
	var ids []int
	if raw, ok := p["ids"]; ok {
		if err := json.Unmarshal(raw, &ids); err != nil {
			return nil, valueError("ids must be a list of integers")
		}
		for _, id := range ids {
			if s.recs[model][id] == nil {
				return nil, missingError(model, id)
			}
		}
	}
	switch method {
	case "create":
		var vals []map[string]any
		if err := decode(p["vals_list"], &vals); err != nil {
			return nil, valueError("create() needs vals_list, a list of dicts of field values: " + err.Error())
		}
		out := []int{}
		// One transaction per call: a refused record leaves none of the
		// list created.
		snap := s.snapshot()
		for _, v := range vals {
			id, err := s.create(model, v)
			if err != nil {
				s.restore(snap)
				return nil, err
			}
			out = append(out, id)
		}
		return out, nil
	case "write":
		var vals map[string]any
		if err := decode(p["vals"], &vals); err != nil {
			return nil, valueError("write() needs vals, a dict of field values")
		}
		snap := s.snapshot()
		for _, id := range ids {
			if err := s.write(model, id, vals); err != nil {
				s.restore(snap)
				return nil, err
			}
		}
		return true, nil
	case "read":
		var fields []string
		_ = decode(p["fields"], &fields)
		out := []map[string]any{}
		for _, id := range ids {
			r, err := s.read(model, id, fields)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		return out, nil
	case "search", "search_read", "search_count":
		var domain []any
		var fields []string
		var limit, offset int
		var order string
		if err := decode(p["domain"], &domain); err != nil {
			return nil, valueError("domain must be a list")
		}
		_ = decode(p["fields"], &fields)
		_ = decode(p["limit"], &limit)
		_ = decode(p["offset"], &offset)
		_ = decode(p["order"], &order)
		found, err := s.search(model, domain, order)
		if err != nil {
			return nil, err
		}
		if method == "search_count" {
			return len(found), nil
		}
		found = found[min(offset, len(found)):]
		if limit > 0 && len(found) > limit {
			found = found[:limit]
		}
		if method == "search" {
			return found, nil
		}
		out := []map[string]any{}
		for _, id := range found {
			r, err := s.read(model, id, fields)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		return out, nil
	case "fields_get":
		return s.fields[model], nil
	}
	if fn, ok := buttons[model+"/"+method]; ok {
		snap := s.snapshot()
		out, err := fn(s, ids)
		if err != nil {
			s.restore(snap)
		}
		return out, err
	}
	return nil, notFound(fmt.Sprintf("The method '%s' does not exist on the model '%s'", method, model))
}

func decode(raw json.RawMessage, v any) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	d := json.NewDecoder(strings.NewReader(string(raw)))
	d.UseNumber()
	return d.Decode(v)
}

// snapshot copies every record, so a call that fails half-way changes
// nothing, as Odoo's transaction per call does.
func (s *Server) snapshot() map[string]map[int]Record {
	c := make(map[string]map[int]Record, len(s.recs))
	for m, rs := range s.recs {
		cm := make(map[int]Record, len(rs))
		for id, r := range rs {
			cr := make(Record, len(r))
			for k, v := range r {
				if l, ok := v.([]int); ok {
					v = append([]int(nil), l...)
				}
				cr[k] = v
			}
			cm[id] = cr
		}
		c[m] = cm
	}
	return c
}

func (s *Server) restore(c map[string]map[int]Record) {
	s.recs = c
}

// IDs returns the ids of model's records matching an Odoo domain, in id
// order: for tests that check what exists.
func (s *Server) IDs(model string, domain ...any) []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids, err := s.search(model, domain, "")
	if err != nil {
		panic(err)
	}
	return ids
}

// Get returns a copy of a stored record, or nil.
func (s *Server) Get(model string, id int) Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.recs[model][id]
	if r == nil {
		return nil
	}
	c := Record{}
	for k, v := range r {
		c[k] = v
	}
	return c
}

func sortedIDs(m map[int]Record) []int {
	ids := make([]int, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	return ids
}
