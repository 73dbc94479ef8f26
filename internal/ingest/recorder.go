// Package ingest brings readings in: one Recorder that stores a reading,
// and runs the hook that evaluates it, in one transaction, used alike by
// the HTTP API and by the MQTT Subscriber (which stores its messages in
// batches, many readings to a transaction, each one as on its own).
package ingest

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/reading"
	"github.com/millwright-cmms/millwright/internal/store"
)

// Hook runs after a reading is stored, in the same transaction: an error
// undoes the reading. It is where condition rules and meter-based PM
// plans look at a new reading. A duplicate reading does not run it.
type Hook func(ctx context.Context, tx *store.Tx, r reading.Reading) error

// Recorder stores readings. Hook is optional (nil: none).
type Recorder struct {
	DB   *store.DB
	Hook Hook
}

// Record stores a reading of the asset assetID, from source, in one transaction.
func (rc *Recorder) Record(ctx context.Context, assetID, source string, in reading.Input) (*reading.Result, error) {
	return rc.record(ctx, func(tx *store.Tx) (*reading.Result, error) {
		return reading.Record(ctx, tx, assetID, source, in)
	})
}

// RecordByTag stores a reading of the asset named by its site's code and
// its tag, from source, in one transaction.
func (rc *Recorder) RecordByTag(ctx context.Context, siteCode, tag, source string, in reading.Input) (*reading.Result, error) {
	return rc.record(ctx, func(tx *store.Tx) (*reading.Result, error) {
		return reading.RecordByTag(ctx, tx, siteCode, tag, source, in)
	})
}

func (rc *Recorder) record(ctx context.Context, fn func(tx *store.Tx) (*reading.Result, error)) (*reading.Result, error) {
	var res *reading.Result
	err := rc.DB.InTx(ctx, func(tx *store.Tx) (err error) {
		if res, err = fn(tx); err != nil {
			return err
		}
		if rc.Hook != nil && !res.Duplicate {
			return rc.Hook(ctx, tx, res.Reading)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// maxPayload is how much of an unmatched message's payload is kept.
const maxPayload = 4096

// Unmatched keeps a message that could not become a reading, with the
// error that says why, in a transaction of its own. siteCode names the
// site the topic names, when it is known.
func (rc *Recorder) Unmatched(ctx context.Context, topic, siteCode string, payload []byte, cause error) error {
	u := newUnmatched(topic, payload, cause)
	return rc.DB.InTx(ctx, func(tx *store.Tx) error {
		if siteCode != "" {
			if s, err := tx.SiteByCode(ctx, siteCode); err == nil {
				u.SiteID = s.ID
			}
		}
		return tx.AddUnmatched(ctx, u)
	})
}

// newUnmatched is the unmatched reading of a message, with the code and
// reason of cause (internal when cause is not a millwright.Error).
func newUnmatched(topic string, payload []byte, cause error) *reading.Unmatched {
	u := &reading.Unmatched{Topic: topic, Code: "internal", Reason: "internal error; the server log has the details"}
	var e *millwright.Error
	if errors.As(cause, &e) {
		u.Code, u.Reason = e.Code, e.Message
	}
	p := payload
	if len(p) > maxPayload {
		p = p[:maxPayload]
	}
	// Kept as text that both engines store: invalid UTF-8 and NUL bytes
	// become U+FFFD.
	u.Payload = strings.ReplaceAll(strings.ToValidUTF8(string(p), "\uFFFD"), "\x00", "\uFFFD")
	return u
}

// Replay stores an unmatched reading again, now that its cause is fixed
// (the meter declared, the asset created), through the same use-case and
// hook, in one transaction; it marks the unmatched reading resolved. The
// reading is recorded by the caller, at the message's own time or, when it
// had none, the time it was received. When it still cannot be stored, the
// error says why and nothing changes.
func (rc *Recorder) Replay(ctx context.Context, id string) (*reading.Unmatched, error) {
	var out *reading.Unmatched
	err := rc.DB.InTx(ctx, func(tx *store.Tx) error {
		u, err := tx.UnmatchedForUpdate(ctx, id)
		if err != nil {
			return err
		}
		if err := checkUnmatchedSite(ctx, u); err != nil {
			return err
		}
		if u.ResolvedAt != nil {
			return millwright.Errorf(millwright.Conflict, "already_resolved",
				"unmatched reading %s was replayed into reading %s already", u.ID, u.ReadingID)
		}
		root, _, _ := strings.Cut(u.Topic, "/")
		site, tag, meter, err := parseTopic(root, u.Topic)
		if err != nil {
			return millwright.Errorf(millwright.Rule, "cannot_replay", "%s; a message to another topic cannot be replayed", err.(*millwright.Error).Message)
		}
		in, err := parsePayload([]byte(u.Payload))
		if err != nil {
			return millwright.Errorf(millwright.Rule, "cannot_replay", "%s; a payload that cannot be read cannot be replayed", err.(*millwright.Error).Message)
		}
		in.Meter = meter
		if in.At == "" {
			in.At = u.ReceivedAt.Format(time.RFC3339Nano)
		}
		res, err := reading.RecordByTag(ctx, tx, site, tag, reading.SourceMQTT, in)
		if err != nil {
			return err
		}
		if rc.Hook != nil && !res.Duplicate {
			if err := rc.Hook(ctx, tx, res.Reading); err != nil {
				return err
			}
		}
		before := *u
		if err := tx.ResolveUnmatched(ctx, u, res.ID); err != nil {
			return err
		}
		out = u
		return tx.Audit(ctx, "unmatched_reading", u.ID, "replay", before, u)
	})
	return out, err
}

// checkUnmatchedSite refuses an unmatched reading of another site, or of
// no known site, to a user limited to a site.
func checkUnmatchedSite(ctx context.Context, u *reading.Unmatched) error {
	p := millwright.PrincipalFrom(ctx)
	if p.SiteID != "" && u.SiteID == "" {
		return millwright.Errorf(millwright.Forbidden, "site_forbidden",
			"unmatched reading %s names no known site; only a user of every site may replay it", u.ID)
	}
	return millwright.CheckSite(ctx, u.SiteID)
}
