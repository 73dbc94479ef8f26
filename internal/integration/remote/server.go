package remote

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/integration"
)

// maxBody is the largest request body the endpoints read.
const maxBody = 4 << 20

// Handler serves the connector endpoints over erp, an ERP in this process
// (the embedded one): POST MessagesPath applies a message and answers its
// events, GET EventsPath?after=&limit= lists events, and, when erp is an
// integration.Reconciler, GET BalancesPath answers its balances, and, when
// it is an integration.MasterDataReader, GET MasterDataPath its item master
// and chart. Every request must be
// signed with secret; see the package comment.
func Handler(erp integration.Connector, secret string, log *slog.Logger) http.Handler {
	h := &server{erp: erp, secret: secret, log: log, now: time.Now}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+MessagesPath, h.send)
	mux.HandleFunc("GET "+EventsPath, h.events)
	if rec, ok := erp.(integration.Reconciler); ok {
		mux.HandleFunc("GET "+BalancesPath, func(w http.ResponseWriter, r *http.Request) {
			if _, err := h.verified(r); err != nil {
				writeError(w, log, err)
				return
			}
			b, err := rec.Balances(r.Context())
			if err != nil {
				writeError(w, log, err)
				return
			}
			writeJSON(w, http.StatusOK, b)
		})
	}
	if mdr, ok := erp.(integration.MasterDataReader); ok {
		mux.HandleFunc("GET "+MasterDataPath, func(w http.ResponseWriter, r *http.Request) {
			if _, err := h.verified(r); err != nil {
				writeError(w, log, err)
				return
			}
			md, err := mdr.MasterData(r.Context())
			if err != nil {
				writeError(w, log, err)
				return
			}
			writeJSON(w, http.StatusOK, md)
		})
	}
	mux.HandleFunc("/connector/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, log, millwright.Errorf(millwright.NotFound, "not_found",
			"%s %s is not a connector endpoint; use POST %s or GET %s", r.Method, r.URL.Path, MessagesPath, EventsPath))
	})
	return mux
}

type server struct {
	erp    integration.Connector
	secret string
	log    *slog.Logger
	now    func() time.Time
}

// verified reads the body and checks the request's signature.
func (s *server) verified(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, millwright.Errorf(millwright.Invalid, "bad_request", "cannot read the request body: %v", err)
	}
	if len(body) > maxBody {
		return nil, millwright.Errorf(millwright.Invalid, "body_too_large", "the request body is larger than %d bytes", maxBody)
	}
	signed := body
	if r.Method == http.MethodGet {
		signed = []byte(r.URL.RequestURI())
	}
	return body, Verify(s.secret, r.Header.Get(SignatureHeader), signed, s.now())
}

func (s *server) send(w http.ResponseWriter, r *http.Request) {
	body, err := s.verified(r)
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	var m integration.Message
	if err := json.Unmarshal(body, &m); err != nil {
		writeError(w, s.log, millwright.Errorf(millwright.Invalid, "bad_json", "the message is not valid JSON: %v", err))
		return
	}
	if key := r.Header.Get("Idempotency-Key"); key != "" && m.IdempotencyKey == "" {
		m.IdempotencyKey = key
	} else if key != "" && key != m.IdempotencyKey {
		writeError(w, s.log, millwright.Errorf(millwright.Invalid, "idempotency_key_mismatch",
			"the Idempotency-Key header %q differs from the message's idempotency_key %q; send the same key in both", key, m.IdempotencyKey))
		return
	}
	events, err := s.erp.Send(r.Context(), m)
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	if events == nil {
		events = []integration.Event{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": events})
}

func (s *server) events(w http.ResponseWriter, r *http.Request) {
	if _, err := s.verified(r); err != nil {
		writeError(w, s.log, err)
		return
	}
	q := r.URL.Query()
	after, err := strconv.ParseInt(q.Get("after"), 10, 64)
	if q.Get("after") == "" {
		after, err = 0, nil
	}
	if err != nil || after < 0 {
		writeError(w, s.log, millwright.Errorf(millwright.Invalid, "bad_cursor", "after must be an event sequence number, not %q", q.Get("after")))
		return
	}
	limit := 100
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 1000 {
			writeError(w, s.log, millwright.Errorf(millwright.Invalid, "bad_limit", "limit must be a whole number from 1 to 1000, not %q", v))
			return
		}
	}
	events, err := s.erp.Events(r.Context(), after, limit)
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	if events == nil {
		events = []integration.Event{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": events})
}

// writeError answers err as {"error":{"code","message"}} with the status
// of its kind; an error that is not a millwright error is logged and
// answered 500, which the client retries.
func writeError(w http.ResponseWriter, log *slog.Logger, err error) {
	var e *millwright.Error
	if !errors.As(err, &e) {
		if log != nil {
			log.Error("connector endpoint: internal error", "err", err)
		}
		e = &millwright.Error{Code: "internal", Message: "internal error; the ERP's log has the details"}
	}
	status := map[millwright.Kind]int{
		millwright.Invalid:      http.StatusBadRequest,
		millwright.NotFound:     http.StatusNotFound,
		millwright.Conflict:     http.StatusConflict,
		millwright.Rule:         http.StatusUnprocessableEntity,
		millwright.Unauthorized: http.StatusUnauthorized,
		millwright.Forbidden:    http.StatusForbidden,
	}[e.Kind]
	if status == 0 {
		status = http.StatusInternalServerError
	}
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": e.Code, "message": e.Message}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
