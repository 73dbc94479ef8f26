package ingest

import (
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/millwright-cmms/millwright"
)

// mustInvalid fails t unless err is an Invalid *millwright.Error with a
// code and a message.
func mustInvalid(t *testing.T, what string, err error) {
	t.Helper()
	var e *millwright.Error
	if !errors.As(err, &e) || e.Kind != millwright.Invalid || e.Code == "" || e.Message == "" {
		t.Fatalf("%s = %#v; want an Invalid *millwright.Error with a code and a message", what, err)
	}
}

// FuzzParseTopic checks that a topic parses into site, asset tag and
// meter that rebuild the same topic, and that any other topic is refused
// as Invalid.
func FuzzParseTopic(f *testing.F) {
	f.Fuzz(func(t *testing.T, root, topic string) {
		site, tag, meter, err := parseTopic(root, topic)
		if err != nil {
			mustInvalid(t, "parseTopic("+root+", "+topic+")", err)
			return
		}
		if site == "" || tag == "" || meter == "" {
			t.Fatalf("parseTopic(%q, %q) = %q, %q, %q; want no empty level", root, topic, site, tag, meter)
		}
		if got := strings.Join([]string{root, site, tag, meter}, "/"); got != topic {
			t.Fatalf("parseTopic(%q, %q) = %q, %q, %q, which rebuild %q", root, topic, site, tag, meter, got)
		}
	})
}

// FuzzParsePayload checks that a message body is read or refused as
// Invalid, never with a panic, and that what is read writes back as a
// payload that reads the same.
func FuzzParsePayload(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		in, err := parsePayload(b)
		if err != nil {
			mustInvalid(t, "parsePayload("+string(b)+")", err)
			return
		}
		if in.Value == nil {
			t.Fatalf("parsePayload(%q) = no value and no error", b)
		}
		out, err := json.Marshal(payload{Value: in.Value, At: in.At, Replacement: in.Replacement})
		if err != nil {
			t.Fatalf("parsePayload(%q) = %+v, which does not marshal: %v", b, in, err)
		}
		back, err := parsePayload(out)
		if err != nil || !back.Value.Equal(in.Value.Decimal) || back.At != in.At || back.Replacement != in.Replacement {
			t.Fatalf("parsePayload(%q) = %+v, written %s, reads back as %+v, %v", b, in, out, back, err)
		}
	})
}

// FuzzParseBroker checks that --mqtt is a URL with a host, a port and a
// known scheme, or an Invalid error; and that the URL it returns, written
// out, parses to the same broker.
func FuzzParseBroker(f *testing.F) {
	known := map[string]bool{"tcp": true, "mqtt": true, "tls": true, "ssl": true, "mqtts": true, "ws": true, "wss": true}
	f.Fuzz(func(t *testing.T, s string) {
		u, clientID, err := ParseBroker(s)
		if err != nil {
			mustInvalid(t, "ParseBroker("+s+")", err)
			return
		}
		if u.Host == "" || u.Port() == "" || !known[u.Scheme] || u.RawQuery != "" || clientID == "" {
			t.Fatalf("ParseBroker(%q) = %q (host %q, port %q), client %q", s, u, u.Host, u.Port(), clientID)
		}
		again, _, err := ParseBroker(u.String())
		if err != nil || again.Scheme != u.Scheme || again.Host != u.Host {
			t.Fatalf("ParseBroker(%q) = %q, which parses again as %v, %v", s, u, again, err)
		}
		if clientID != "millwright" {
			q := url.Values{"client_id": {clientID}}
			_, id, err := ParseBroker(u.String() + "?" + q.Encode())
			if err != nil || id != clientID {
				t.Fatalf("ParseBroker(%q) client %q does not survive being written back: %q, %v", s, clientID, id, err)
			}
		}
	})
}
