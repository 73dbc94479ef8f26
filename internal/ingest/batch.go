package ingest

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/eclipse/paho.golang/paho"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/asset"
	"github.com/millwright-cmms/millwright/internal/reading"
	"github.com/millwright-cmms/millwright/internal/store"
)

// message is an MQTT message as the subscriber received it.
type message struct {
	topic   string
	payload []byte
	// received is when the subscriber received the message: the time of
	// its reading when the payload has no at.
	received time.Time
	arrived  time.Time // received, on the monotonic clock: when its batch's linger ends
	// pub and client acknowledge the message (nil in tests that store
	// messages without a broker).
	pub    *paho.Publish
	client *paho.Client
}

// recordBatch stores msgs in one transaction, in the order given: each as
// a reading, through the same use-case and hook as a reading stored on its
// own, or, when it cannot be one (unknown site, asset or meter, a payload
// that cannot be read, refused by a rule), as unmatched. The readings get
// one audit entry between them (reading_batch).
//
// A reading whose hook fails, or whose insert fails, has written what must
// be undone, so the whole transaction is rolled back: failed is then the
// index of that message. failed is -1 when no one message failed the
// batch (the database, the commit).
func (rc *Recorder) recordBatch(ctx context.Context, root string, msgs []message) (failed int, err error) {
	err = rc.DB.InTx(ctx, func(tx *store.Tx) error {
		failed = -1 // InTx runs this again after a PostgreSQL deadlock
		b := &batchTx{Tx: tx, meters: map[topicKey]meterEntry{}, covered: map[string]span{},
			stored: map[meterAt]reading.Reading{}, sites: map[string]string{}}
		items := make([]batchItem, len(msgs))
		for i, m := range msgs {
			it := &items[i]
			it.site, it.tag, it.in, it.err = parseMessage(root, m)
		}
		if err := b.prepare(ctx, items); err != nil {
			return err
		}
		for i, it := range items {
			err := it.err
			if err == nil {
				var res *reading.Result
				b.wrote = false
				res, err = reading.RecordByTag(ctx, b, it.site, it.tag, reading.SourceMQTT, it.in)
				if err == nil && !res.Duplicate && rc.Hook != nil {
					if err := rc.Hook(ctx, tx, res.Reading); err != nil {
						failed = i
						return err
					}
				}
				// An error after a write (on PostgreSQL, a failed statement
				// ends the transaction) or an internal one fails the batch;
				// a refusal before any write leaves it as it was.
				if err != nil && (b.wrote || millwright.ErrorKind(err) == 0) {
					failed = i
					return err
				}
			}
			if err != nil {
				if err := b.unmatched(ctx, msgs[i], it.site, err); err != nil {
					failed = i
					return err
				}
			}
		}
		return b.audit(ctx)
	})
	return failed, err
}

// batchItem is a message of a batch, read.
type batchItem struct {
	site, tag string
	in        reading.Input
	err       error // the topic or payload cannot be read
}

// topicKey is what a topic names: a site's code, an asset's tag, a meter.
type topicKey struct{ site, tag, meter string }

type meterEntry struct {
	asset asset.Asset
	meter reading.Meter
	err   error // NotFound: one of the three is unknown
}

// span is a range of reading times, both ends included; empty until a
// time is added.
type span struct {
	from, to time.Time
	set      bool
}

func (s *span) add(at time.Time) {
	if !s.set || at.Before(s.from) {
		s.from = at
	}
	if !s.set || at.After(s.to) {
		s.to = at
	}
	s.set = true
}

type meterAt struct {
	meterID string
	at      int64 // microseconds since 1970: readings are kept to the microsecond
}

// batchTx is the transaction of a batch as the reading use-case sees it:
// the store's transaction, with what one reading at a time would ask the
// database again and again answered once per batch. It locks each meter
// once (prepare), answers "is there a reading at this time" from the
// readings it read in prepare and those it inserted since, and gathers
// the readings' audit entries into one.
type batchTx struct {
	*store.Tx
	meters   map[topicKey]meterEntry
	covered  map[string]span // per meter id: where stored holds every reading there is
	stored   map[meterAt]reading.Reading
	sites    map[string]string // site code → id ("" unknown), for unmatched readings
	recorded []reading.Reading // to audit
	wrote    bool              // the current reading has written
}

var _ reading.Tx = (*batchTx)(nil)

// prepare locks the meters the batch names, in one order so that two
// batches cannot deadlock, and reads their readings in the span of times
// the batch has for each.
func (b *batchTx) prepare(ctx context.Context, items []batchItem) error {
	spans := map[topicKey]*span{}
	for _, it := range items {
		if it.err != nil {
			continue
		}
		k := topicKey{it.site, it.tag, strings.TrimSpace(it.in.Meter)}
		s := spans[k]
		if s == nil {
			s = &span{}
			spans[k] = s
		}
		at, err := reading.ParseAt(it.in.At, b.Now())
		if err == nil { // else refused when its turn comes
			s.add(at)
		}
	}
	keys := make([]topicKey, 0, len(spans))
	for k := range spans {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(x, y topicKey) int {
		return cmp.Or(strings.Compare(x.site, y.site), strings.Compare(x.tag, y.tag), strings.Compare(x.meter, y.meter))
	})
	for _, k := range keys {
		a, m, err := b.Tx.MeterByTopic(ctx, k.site, k.tag, k.meter)
		if millwright.ErrorKind(err) == millwright.NotFound {
			b.meters[k] = meterEntry{err: err}
			continue
		}
		if err != nil {
			return err
		}
		b.meters[k] = meterEntry{asset: *a, meter: *m}
		s := spans[k]
		if !s.set {
			continue // no valid time: nothing to look up
		}
		prior, err := b.Tx.ReadingsBetween(ctx, m.ID, s.from, s.to)
		if err != nil {
			return err
		}
		for _, r := range prior {
			b.stored[meterAt{r.MeterID, r.At.UnixMicro()}] = r
		}
		b.covered[m.ID] = *s
	}
	return nil
}

// MeterByTopic answers from the meters prepare locked.
func (b *batchTx) MeterByTopic(ctx context.Context, siteCode, tag, name string) (*asset.Asset, *reading.Meter, error) {
	e, ok := b.meters[topicKey{siteCode, tag, name}]
	if !ok {
		return b.Tx.MeterByTopic(ctx, siteCode, tag, name)
	}
	if e.err != nil {
		return nil, nil, e.err
	}
	a, m := e.asset, e.meter
	return &a, &m, nil
}

// ReadingAt answers from the readings prepare read and those inserted
// since, when they cover at.
func (b *batchTx) ReadingAt(ctx context.Context, meterID string, at time.Time) (reading.Reading, bool, error) {
	if s, ok := b.covered[meterID]; ok && !at.Before(s.from) && !at.After(s.to) {
		r, found := b.stored[meterAt{meterID, at.UnixMicro()}]
		return r, found, nil
	}
	return b.Tx.ReadingAt(ctx, meterID, at)
}

// InsertReading inserts r and remembers it for ReadingAt.
func (b *batchTx) InsertReading(ctx context.Context, r *reading.Reading) error {
	b.wrote = true
	if err := b.Tx.InsertReading(ctx, r); err != nil {
		return err
	}
	b.stored[meterAt{r.MeterID, r.At.UnixMicro()}] = *r
	return nil
}

// Audit keeps a reading's audit entry for the batch's (see audit); other
// entries are written as they come.
func (b *batchTx) Audit(ctx context.Context, entityType, entityID, action string, before, after any) error {
	if r, ok := after.(reading.Reading); ok && entityType == "reading" && action == "record" && before == nil {
		b.recorded = append(b.recorded, r)
		return nil
	}
	return b.Tx.Audit(ctx, entityType, entityID, action, before, after)
}

// BatchAudit is the audit entry (entity reading_batch, action record) of
// the readings an MQTT batch stored: each reading's identity and what it
// says, so the hash chain covers them as it covers a reading audited on
// its own, for one entry instead of one per reading.
type BatchAudit struct {
	Source     string           `json:"source"`
	RecordedBy string           `json:"recorded_by"`
	ReceivedAt time.Time        `json:"received_at"`
	Count      int              `json:"count"`
	Readings   []AuditedReading `json:"readings"`
}

// AuditedReading is a reading in a BatchAudit.
type AuditedReading struct {
	ID          string         `json:"id"`
	MeterID     string         `json:"meter_id"`
	At          time.Time      `json:"at"`
	Value       millwright.Qty `json:"value"`
	Total       millwright.Qty `json:"total"`
	Replacement bool           `json:"replacement,omitempty"`
}

// audit writes the batch's one audit entry, when it stored readings.
func (b *batchTx) audit(ctx context.Context) error {
	if len(b.recorded) == 0 {
		return nil
	}
	a := BatchAudit{Source: reading.SourceMQTT, RecordedBy: b.Actor().Username, ReceivedAt: b.Now(),
		Count: len(b.recorded), Readings: make([]AuditedReading, len(b.recorded))}
	for i, r := range b.recorded {
		a.Readings[i] = AuditedReading{ID: r.ID, MeterID: r.MeterID, At: r.At, Value: r.Value, Total: r.Total, Replacement: r.Replacement}
	}
	return b.Tx.Audit(ctx, "reading_batch", millwright.NewID("rdb"), "record", nil, a)
}

// unmatched keeps a message of the batch that could not become a reading.
func (b *batchTx) unmatched(ctx context.Context, m message, siteCode string, cause error) error {
	u := newUnmatched(m.topic, m.payload, cause)
	if siteCode != "" {
		id, ok := b.sites[siteCode]
		if !ok {
			if s, err := b.Tx.SiteByCode(ctx, siteCode); err == nil {
				id = s.ID
			}
			b.sites[siteCode] = id
		}
		u.SiteID = id
	}
	return b.Tx.AddUnmatched(ctx, u)
}
