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
}

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
		ClientConfig: paho.ClientConfig{
			ClientID:                   clientID,
			EnableManualAcknowledgment: true,
			SendAcksInterval:           10 * time.Millisecond,
			OnPublishReceived: []func(paho.PublishReceived) (bool, error){
				func(pr paho.PublishReceived) (bool, error) {
					if s.handle(ctx, log, root, pr.Packet) {
						if err := pr.Client.Ack(pr.Packet); err != nil {
							log.Warn("mqtt: acknowledge", "topic", pr.Packet.Topic, "err", err)
						}
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
	<-ctx.Done()
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	cm.Disconnect(dctx)
	return nil
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

// handle stores one message and reports whether it may be acknowledged:
// it is committed, as a reading or as an unmatched reading. While the
// database fails it retries, backing off; after Attempts failures it
// keeps the message as unmatched (code store_failed), so that one message
// the store cannot take does not hold up the others. It gives up without
// acknowledging, so that the broker sends the message again, only when
// ctx ends.
func (s *Subscriber) handle(ctx context.Context, log *slog.Logger, root string, p *paho.Publish) bool {
	ctx = millwright.WithPrincipal(ctx, Principal)
	wait := 50 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := s.store(ctx, root, p)
		if err == nil {
			return true
		}
		log.Error("mqtt: cannot store a reading; retrying", "topic", p.Topic, "attempt", attempt, "err", err)
		if attempt >= cmp.Or(s.Attempts, defaultAttempts) {
			site, _, _, _ := parseTopic(root, p.Topic)
			failed := millwright.Errorf(millwright.Rule, "store_failed",
				"the reading could not be stored after %d attempts; the server log has the details", attempt)
			if s.Recorder.Unmatched(ctx, p.Topic, site, p.Payload, failed) == nil {
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

// store records the message as a reading or as unmatched; an error means
// neither is committed.
func (s *Subscriber) store(ctx context.Context, root string, p *paho.Publish) error {
	site, tag, meter, err := parseTopic(root, p.Topic)
	if err == nil {
		var in reading.Input
		if in, err = parsePayload(p.Payload); err == nil {
			in.Meter = meter
			_, err = s.Recorder.RecordByTag(ctx, site, tag, reading.SourceMQTT, in)
		}
	}
	if err == nil {
		return nil
	}
	if millwright.ErrorKind(err) == 0 {
		return err // the database, not the message: try again
	}
	return s.Recorder.Unmatched(ctx, p.Topic, site, p.Payload, err)
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
