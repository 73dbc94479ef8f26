package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/storetest"
)

// TestServeMQTT runs serve with --mqtt against the machine's Mosquitto: a
// reading published to millwright/{site}/{tag}/{meter} is stored, and one
// for an unknown meter is listed as unmatched.
func TestServeMQTT(t *testing.T) {
	m := newMQTTServe(t)
	call, code := m.call, m.code
	site := call("POST", "/sites", map[string]any{"code": code, "name": "MQTT test", "currency": "EUR", "time_zone": "UTC"}, 201)["id"].(string)
	pump := call("POST", "/assets", map[string]any{"tag": "P-1", "name": "Pump", "site_id": site}, 201)["id"].(string)
	call("POST", "/assets/"+pump+"/meters", map[string]any{"name": "vibration_mm_s", "kind": "gauge"}, 201)
	publish := func(meter, payload string) { m.publish("P-1", meter, payload) }
	// serve subscribes once it has connected: publish until a reading
	// arrives (each at its own time, so none is a duplicate).
	deadline := time.Now().Add(20 * time.Second)
	for i := 0; ; i++ {
		publish("vibration_mm_s", fmt.Sprintf(`{"value":4.5,"at":"2026-11-01T10:%02d:00Z"}`, i%60))
		time.Sleep(200 * time.Millisecond)
		if items := call("GET", "/assets/"+pump+"/readings", nil, 200)["items"].([]any); len(items) > 0 {
			r := items[0].(map[string]any)
			if r["value"] != 4.5 || r["source"] != "mqtt" {
				t.Fatalf("reading = %v", r)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no reading stored 20 s after publishing")
		}
	}
	publish("temp_c", `{"value":1}`)
	for {
		items := call("GET", "/readings/unmatched?site_id="+site, nil, 200)["items"].([]any)
		if len(items) == 1 {
			if u := items[0].(map[string]any); u["code"] != "unknown_meter" {
				t.Fatalf("unmatched = %v; want unknown_meter", u)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("unmatched = %v; want one unknown_meter within 20 s", items)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// mqttServe is serve running with --mqtt against the machine's Mosquitto,
// an admin token's API, and a publisher on the broker. code is a site code
// of the test's own, so other runs on the shared broker do not meet it.
type mqttServe struct {
	t       *testing.T
	dsn     string
	code    string
	call    func(method, path string, body any, want int) map[string]any
	publish func(tag, meter, payload string)
}

func newMQTTServe(t *testing.T, args ...string) *mqttServe {
	const broker = "127.0.0.1:1883"
	c, err := net.DialTimeout("tcp", broker, 2*time.Second)
	if err != nil {
		storetest.Unavailable(t, "Mosquitto (MQTT)", broker, err, "start it with: mosquitto -d -c /etc/mosquitto/mosquitto.conf")
	}
	c.Close()
	m := &mqttServe{t: t, dsn: storetest.DSN(t, store.SQLite)}
	clientID := strings.ReplaceAll(millwright.NewID("mwserve"), "_", "-")
	// Leave no persistent session behind on the shared broker (this runs
	// after serve has stopped: cleanups run last first).
	t.Cleanup(func() {
		if c, err := net.DialTimeout("tcp", broker, time.Second); err == nil {
			p := paho.NewClient(paho.ClientConfig{Conn: c})
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			if _, err := p.Connect(ctx, &paho.Connect{ClientID: clientID, CleanStart: true}); err == nil {
				p.Disconnect(&paho.Disconnect{})
			}
		}
	})
	base := start(t, append([]string{"--db", m.dsn, "--mqtt", "tcp://" + broker + "?client_id=" + clientID}, args...)...)
	var out bytes.Buffer
	if err := run(t.Context(), []string{"token", "create", "--db", m.dsn, "--user", "alice", "--role", "admin"}, env(nil), nil, &out, io.Discard); err != nil {
		t.Fatalf("token create = %v", err)
	}
	token := strings.TrimSpace(out.String())
	m.call = func(method, path string, body any, want int) map[string]any {
		t.Helper()
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, _ := http.NewRequestWithContext(t.Context(), method, base+"/api/v1"+path, rd)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		if res.StatusCode != want {
			t.Fatalf("%s %s = %d %s; want %d", method, path, res.StatusCode, raw, want)
		}
		var v map[string]any
		json.Unmarshal(raw, &v)
		return v
	}
	m.code = strings.ToUpper(clientID[len(clientID)-8:])
	conn, err := net.DialTimeout("tcp", broker, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	pub := paho.NewClient(paho.ClientConfig{Conn: conn})
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	t.Cleanup(cancel)
	if _, err := pub.Connect(ctx, &paho.Connect{ClientID: clientID + "-pub", CleanStart: true, KeepAlive: 30}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pub.Disconnect(&paho.Disconnect{}) })
	m.publish = func(tag, meter, payload string) {
		t.Helper()
		if _, err := pub.Publish(ctx, &paho.Publish{Topic: "millwright/" + m.code + "/" + tag + "/" + meter, QoS: 1, Payload: []byte(payload)}); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

func TestServeBadMQTTURL(t *testing.T) {
	err := run(t.Context(), []string{"serve", "--addr", "127.0.0.1:0", "--mqtt", "localhost"}, env(nil), nil, io.Discard, io.Discard)
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "bad_mqtt_url") {
		t.Fatalf("serve --mqtt localhost = %v (exit %d); want bad_mqtt_url, exit 2", err, exitCode(err))
	}
}
