package ingest

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/eclipse/paho.golang/autopaho"
	"github.com/eclipse/paho.golang/paho"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/reading"
)

// DefaultRoot is the first level of the reading topics:
// millwright/{site_code}/{asset_tag}/{meter}.
const DefaultRoot = "millwright"

// Principal is who readings that arrive over MQTT are recorded by.
var Principal = millwright.Principal{UserID: "system", Username: "mqtt", Role: millwright.Admin}

// Subscriber stores the readings published to an MQTT broker. It
// subscribes with QoS 1 to Root/+/+/+ and acknowledges a message only
// once it is committed: as a reading, or, when it cannot be one (unknown
// site, asset or meter, malformed payload, refused by a rule), in the list
// of unmatched readings with the reason. Nothing is dropped silently.
//
// Messages are stored in batches: up to BatchSize in one transaction,
// gathered until Linger after the first arrived, in the order they
// arrive, each acknowledged once its batch has committed. A message that fails
// its batch (its reading's hook or insert fails) is stored on its own,
// and the messages before and after it as batches again, so each message
// gets the outcome it would have had on its own.
//
// It keeps a persistent session (clean start off, a day's expiry), so the
// broker holds QoS 1 messages published while Millwright is down, and it
// reconnects by itself when the broker restarts.
type Subscriber struct {
	// Broker is the broker's URL: tcp://host:port (or mqtt://, tls://).
	// Its query may set client_id (default "millwright"); every process
	// subscribing to one broker needs its own.
	Broker   string
	Root     string // default DefaultRoot
	Recorder *Recorder
	Log      *slog.Logger
	// OnSubscribed, when set, is called after each (re)subscription.
	OnSubscribed func()
	// RetryDelay is the longest wait between reconnection attempts
	// (default 2 s).
	RetryDelay time.Duration
	// Attempts is how many times a message the store fails on is tried
	// before it is kept as unmatched (default 8: about 20 s).
	Attempts int
	// BatchSize is the most messages stored in one transaction (default
	// 256); 1 stores each message on its own.
	BatchSize int
	// Linger is how long after its first message arrived a batch that is
	// not full waits for more before it is stored (default 5 ms).
	Linger time.Duration
}

// Defaults of a Subscriber's batches.
const (
	DefaultBatchSize = 256
	DefaultLinger    = 5 * time.Millisecond
)

// sessionExpiry is how long the broker keeps the subscription and its
// queued messages while Millwright is disconnected, in seconds.
const sessionExpiry = 24 * 60 * 60

// Run subscribes and stores readings until ctx ends.
func (s *Subscriber) Run(ctx context.Context) error {
	u, clientID, err := ParseBroker(s.Broker)
	if err != nil {
		return err
	}
	root := s.Root
	if root == "" {
		root = DefaultRoot
	}
	retry := s.RetryDelay
	if retry <= 0 {
		retry = 2 * time.Second
	}
	log := s.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	filter := root + "/+/+/+"
	size := cmp.Or(max(s.BatchSize, 0), DefaultBatchSize)
	linger := cmp.Or(max(s.Linger, 0), DefaultLinger)
	// The broker sends at most this many messages not yet acknowledged
	// (the receive maximum; Mosquitto's default for a client that does not
	// say is 20, too few to fill a batch) and keeps the rest in its queue
	// for the session, up to its max_queued_messages (1000 by default),
	// dropping what comes beyond. Sixteen batches in flight let batches
	// fill while one commits and take a burst without drops.
	inflight := uint16(min(max(16*size, 4096), 65535))
	in := make(chan message, inflight)
	clock := s.Recorder.DB.Clock
	var (
		mu   sync.Mutex
		last time.Time
	)
	// received is the time a message is received, later than the one
	// before it: the time of a reading that has none of its own, so two
	// readings of one meter received together are two, not a duplicate.
	received := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t := clock().UTC().Truncate(time.Microsecond)
		if !t.After(last) {
			t = last.Add(time.Microsecond)
		}
		last = t
		return t
	}
	cfg := autopaho.ClientConfig{
		ServerUrls:                    []*url.URL{u},
		KeepAlive:                     30,
		CleanStartOnInitialConnection: false,
		SessionExpiryInterval:         sessionExpiry,
		ReconnectBackoff:              autopaho.NewExponentialBackoff(100*time.Millisecond, retry+time.Millisecond, 200*time.Millisecond, 2),
		ConnectTimeout:                5 * time.Second,
		OnConnectionUp: func(cm *autopaho.ConnectionManager, _ *paho.Connack) {
			// Subscribe on every connection: a broker that restarted
			// without persistence has forgotten the subscription.
			go func() {
				sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				defer cancel()
				if _, err := cm.Subscribe(sctx, &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: filter, QoS: 1}}}); err != nil {
					log.Error("mqtt: subscribe", "filter", filter, "err", err)
					return
				}
				log.Info("mqtt: subscribed", "broker", u.Host, "filter", filter)
				if s.OnSubscribed != nil {
					s.OnSubscribed()
				}
			}()
		},
		OnConnectError: func(err error) { log.Warn("mqtt: cannot connect; retrying", "broker", u.Host, "err", err) },
		ConnectPacketBuilder: func(cp *paho.Connect, _ *url.URL) (*paho.Connect, error) {
			if cp.Properties == nil {
				cp.Properties = &paho.ConnectProperties{}
			}
			cp.Properties.ReceiveMaximum = &inflight
			return cp, nil
		},
		ClientConfig: paho.ClientConfig{
			ClientID:                   clientID,
			EnableManualAcknowledgment: true,
			SendAcksInterval:           time.Millisecond,
			OnPublishReceived: []func(paho.PublishReceived) (bool, error){
				func(pr paho.PublishReceived) (bool, error) {
					m := message{topic: pr.Packet.Topic, payload: pr.Packet.Payload, received: received(), arrived: time.Now(),
						pub: pr.Packet, client: pr.Client}
					select {
					case in <- m:
					case <-ctx.Done(): // not acknowledged: the broker sends it again
					}
					return true, nil
				},
			},
			OnClientError: func(err error) { log.Warn("mqtt: connection lost", "err", err) },
		},
	}
	cm, err := autopaho.NewConnection(ctx, cfg)
	if err != nil {
		return fmt.Errorf("mqtt: %w", err)
	}
	s.batches(ctx, log, root, in, size, linger)
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	cm.Disconnect(dctx)
	return nil
}

// batches stores the messages of in, in batches of up to size gathered
// until linger after the first arrived, until ctx ends. A message that
// arrived while the batch before was being stored has waited already: its
// batch takes what has come since and is stored at once. Messages not
// stored when ctx ends are not acknowledged: the broker sends them again.
func (s *Subscriber) batches(ctx context.Context, log *slog.Logger, root string, in <-chan message, size int, linger time.Duration) {
	ctx = millwright.WithPrincipal(ctx, Principal)
	timer := time.NewTimer(linger)
	timer.Stop()
	b := make([]message, 0, size)
	for {
		b = b[:0]
		select {
		case <-ctx.Done():
			return
		case m := <-in:
			b = append(b, m)
		}
		timer.Reset(time.Until(b[0].arrived.Add(linger)))
	fill:
		for len(b) < size {
			select {
			case m := <-in:
				b = append(b, m)
				continue
			case <-ctx.Done():
				return
			default:
			}
			select { // nothing waiting: until more come or the time is up
			case m := <-in:
				b = append(b, m)
			case <-timer.C:
				break fill
			case <-ctx.Done():
				return
			}
		}
		timer.Stop()
		if !s.storeBatch(ctx, log, root, b) {
			return
		}
	}
}

// storeBatch stores b and acknowledges its messages; it reports false when
// ctx ended first. When the batch's transaction fails, the message that
// failed it is stored on its own (handle: retried, else kept as
// unmatched), and the messages before and after it as batches again; when
// no one message failed it (the database), each is stored on its own.
func (s *Subscriber) storeBatch(ctx context.Context, log *slog.Logger, root string, b []message) bool {
	for len(b) > 0 {
		var (
			failed = -1
			err    error
		)
		if len(b) > 1 {
			failed, err = s.Recorder.recordBatch(ctx, root, b)
			if err == nil {
				s.ack(log, b)
				return true
			}
			if ctx.Err() != nil {
				return false
			}
			log.Warn("mqtt: a batch of readings failed; storing its messages apart", "messages", len(b), "failed", failed, "err", err)
		}
		if failed < 0 {
			for i := range b {
				if !s.handle(ctx, log, root, b[i], 0) {
					return false
				}
				s.ack(log, b[i:i+1])
			}
			return true
		}
		if failed > 0 && !s.storeBatch(ctx, log, root, b[:failed]) {
			return false
		}
		if !s.handle(ctx, log, root, b[failed], 1) {
			return false
		}
		s.ack(log, b[failed:failed+1])
		b = b[failed+1:]
	}
	return true
}

// ack acknowledges committed messages to the broker. The client sends the
// acknowledgements in the order the messages arrived.
func (s *Subscriber) ack(log *slog.Logger, b []message) {
	for _, m := range b {
		if m.client == nil {
			continue
		}
		if err := m.client.Ack(m.pub); err != nil {
			log.Warn("mqtt: acknowledge", "topic", m.topic, "err", err)
		}
	}
}

// ParseBroker reads a broker URL: tcp://host:port (mqtt://, tls:// and
// ws:// also), with an optional ?client_id= (default "millwright").
func ParseBroker(broker string) (u *url.URL, clientID string, err error) {
	u, err = url.Parse(broker)
	if err != nil || u.Host == "" || u.Port() == "" {
		return nil, "", millwright.Errorf(millwright.Invalid, "bad_mqtt_url",
			"MQTT broker %q is not a URL such as tcp://127.0.0.1:1883", broker)
	}
	switch u.Scheme {
	case "tcp", "mqtt", "tls", "ssl", "mqtts", "ws", "wss":
	default:
		return nil, "", millwright.Errorf(millwright.Invalid, "bad_mqtt_url",
			"MQTT broker %q has scheme %q; use tcp://, mqtt://, tls://, ws:// or wss://", broker, u.Scheme)
	}
	clientID = u.Query().Get("client_id")
	if clientID == "" {
		clientID = "millwright"
	}
	u.RawQuery = ""
	return u, clientID, nil
}

// payload is the body of a reading message.
type payload struct {
	Value       *millwright.Qty `json:"value"`
	At          string          `json:"at"`
	Replacement bool            `json:"replacement"`
}

// handle stores one message on its own and reports whether it may be
// acknowledged: it is committed, as a reading or as an unmatched reading.
// tried is how many times it was tried already (in a batch). While the
// database fails it retries, backing off; after Attempts failures it
// keeps the message as unmatched (code store_failed), so that one message
// the store cannot take does not hold up the others. It gives up without
// acknowledging, so that the broker sends the message again, only when
// ctx ends.
func (s *Subscriber) handle(ctx context.Context, log *slog.Logger, root string, m message, tried int) bool {
	wait := 50 * time.Millisecond
	for attempt := tried + 1; ; attempt++ {
		err := s.store(ctx, root, m)
		if err == nil {
			return true
		}
		log.Error("mqtt: cannot store a reading; retrying", "topic", m.topic, "attempt", attempt, "err", err)
		if attempt >= cmp.Or(s.Attempts, defaultAttempts) {
			site, _, _, _ := parseTopic(root, m.topic)
			failed := millwright.Errorf(millwright.Rule, "store_failed",
				"the reading could not be stored after %d attempts; the server log has the details", attempt)
			if s.Recorder.Unmatched(ctx, m.topic, site, m.payload, failed) == nil {
				return true
			}
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(wait):
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// defaultAttempts is how many times a message is tried before it is kept
// as unmatched: with the backoff, about 20 s.
const defaultAttempts = 8

// store records the message as a reading or as unmatched, in a
// transaction of its own; an error means neither is committed.
func (s *Subscriber) store(ctx context.Context, root string, m message) error {
	site, tag, in, err := parseMessage(root, m)
	if err == nil {
		_, err = s.Recorder.RecordByTag(ctx, site, tag, reading.SourceMQTT, in)
	}
	if err == nil {
		return nil
	}
	if millwright.ErrorKind(err) == 0 {
		return err // the database, not the message: try again
	}
	return s.Recorder.Unmatched(ctx, m.topic, site, m.payload, err)
}

// parseMessage reads a message's topic and payload. A payload without at
// takes the time the message was received. site is the topic's site code
// whenever the topic can be read.
func parseMessage(root string, m message) (site, tag string, in reading.Input, err error) {
	site, tag, meter, err := parseTopic(root, m.topic)
	if err != nil {
		return "", "", in, err
	}
	if in, err = parsePayload(m.payload); err != nil {
		return site, tag, in, err
	}
	in.Meter = meter
	if strings.TrimSpace(in.At) == "" && !m.received.IsZero() {
		in.At = m.received.UTC().Format(time.RFC3339Nano)
	}
	return site, tag, in, nil
}

func parseTopic(root, topic string) (site, tag, meter string, err error) {
	parts := strings.Split(topic, "/")
	if len(parts) != 4 || parts[0] != root || parts[1] == "" || parts[2] == "" || parts[3] == "" {
		return "", "", "", millwright.Errorf(millwright.Invalid, "bad_topic",
			"topic %q is not %s/{site_code}/{asset_tag}/{meter}", topic, root)
	}
	return parts[1], parts[2], parts[3], nil
}

// parsePayload reads {"value":…,"at":…} (at optional, RFC 3339;
// replacement optional) or a bare number.
func parsePayload(b []byte) (reading.Input, error) {
	b = bytes.TrimSpace(b)
	var in reading.Input
	if len(b) > 0 && b[0] != '{' {
		var q millwright.Qty
		if err := json.Unmarshal(b, &q); err != nil {
			return in, badPayload(b, err)
		}
		in.Value = &q
		return in, millwright.CheckQuantityText("value", q.String())
	}
	var p payload
	if err := json.Unmarshal(b, &p); err != nil {
		return in, badPayload(b, err)
	}
	if p.Value == nil {
		return in, millwright.Errorf(millwright.Invalid, "bad_payload",
			`the payload has no value; send {"value":7.1,"at":"2026-11-29T08:15:00Z"}`)
	}
	in.Value, in.At, in.Replacement = p.Value, p.At, p.Replacement
	return in, millwright.CheckQuantityText("value", p.Value.String())
}

func badPayload(b []byte, err error) error {
	var syn *json.SyntaxError
	what := err.Error()
	if errors.As(err, &syn) {
		what = "it is not JSON"
	}
	if len(b) == 0 {
		what = "it is empty"
	}
	return millwright.Errorf(millwright.Invalid, "bad_payload",
		`the payload cannot be read (%s); send {"value":7.1,"at":"2026-11-29T08:15:00Z"} with at in RFC 3339, or leave at out for the time of receipt`, what)
}
