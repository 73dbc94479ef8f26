package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/ingest"
	"github.com/millwright-cmms/millwright/internal/reading"
	"github.com/millwright-cmms/millwright/internal/store"
)

// SetRecorder makes the API store readings through rc, the recorder the
// MQTT subscriber shares, with its hook. Call it before serving.
func (h *Handler) SetRecorder(rc *ingest.Recorder) { h.readings = rc }

func (h *Handler) listMeters(w http.ResponseWriter, r *http.Request) error {
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		ms, err := reading.Meters(ctx, tx, r.PathValue("id"))
		return map[string]any{"items": ms}, err
	})
}

func (h *Handler) declareMeter(w http.ResponseWriter, r *http.Request) error {
	var m reading.Meter
	if err := decode(r, &m); err != nil {
		return err
	}
	return h.change(w, r, http.StatusCreated, func(ctx context.Context, tx *store.Tx) (any, error) {
		return &m, reading.DeclareMeter(ctx, tx, r.PathValue("id"), &m)
	})
}

// recordReading answers 201 with a new reading, or 200 with the reading
// stored before when this one is its duplicate.
func (h *Handler) recordReading(w http.ResponseWriter, r *http.Request) error {
	var in reading.Input
	if err := decode(r, &in); err != nil {
		return err
	}
	res, err := h.readings.Record(r.Context(), r.PathValue("id"), reading.SourceHTTP, in)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if res.Duplicate {
		status = http.StatusOK
	}
	writeJSON(w, status, res)
	return nil
}

func (h *Handler) listReadings(w http.ResponseWriter, r *http.Request) error {
	cursor, limit, err := listParams(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := reading.Filter{AssetID: r.PathValue("id"), Meter: q.Get("meter"), Cursor: cursor, Limit: limit}
	if f.From, err = timeParam(r, "from"); err != nil {
		return err
	}
	if f.To, err = timeParam(r, "to"); err != nil {
		return err
	}
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		return reading.List(ctx, tx, f)
	})
}

// listUnmatchedReadings lists the MQTT messages that could not become
// readings. A user limited to a site sees that site's only; messages that
// name no known site are seen by users of every site.
func (h *Handler) listUnmatchedReadings(w http.ResponseWriter, r *http.Request) error {
	cursor, limit, site, err := siteListParams(r)
	if err != nil {
		return err
	}
	status := r.URL.Query().Get("status")
	switch status {
	case "", reading.UnmatchedOpen, reading.UnmatchedResolved, "all":
	default:
		return millwright.Errorf(millwright.Invalid, "invalid_status", "status %q is not one of open (the default), resolved or all", status)
	}
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		return tx.UnmatchedReadings(ctx, reading.UnmatchedFilter{SiteID: site, Status: status, Cursor: cursor, Limit: limit})
	})
}

// replayUnmatchedReading stores an unmatched reading now that its cause
// is fixed, and marks it resolved.
func (h *Handler) replayUnmatchedReading(w http.ResponseWriter, r *http.Request) error {
	u, err := h.readings.Replay(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

// timeParam reads an optional RFC 3339 query parameter.
func timeParam(r *http.Request, name string) (*time.Time, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return nil, millwright.Errorf(millwright.Invalid, "invalid_time",
			"%s %q is not an RFC 3339 time such as 2026-11-29T08:15:00Z", name, s)
	}
	t = t.UTC()
	return &t, nil
}
