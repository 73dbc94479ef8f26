package config_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/connector/config"
	"github.com/millwright-cmms/millwright/internal/connector/webhook"
)

// fuzzSecret is what every environment variable and secret file holds in
// FuzzDecode: no error may show it.
const fuzzSecret = "fuzz-secret-4f9c2e"

// FuzzDecode checks a connector's settings file: the webhook connector's
// (opened as serve does), the http connector's and the embedded one's.
// Whatever the file holds, the result is settings or an Invalid error
// with a code and a message that never shows the secret; settings that
// are read write back as a file that reads the same.
func FuzzDecode(f *testing.F) {
	env := config.Env{
		Getenv:   func(string) string { return fuzzSecret },
		ReadFile: func(string) ([]byte, error) { return []byte(fuzzSecret + "\n"), nil },
	}
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		var err error
		var v any
		switch which % 3 {
		case 0:
			var s webhook.Settings
			if err = config.Decode(webhook.Name, data, &s); err == nil {
				var secret string
				if secret, err = s.Secret.Resolve(webhook.Name, env); err == nil {
					_, err = webhook.New(s, secret)
				}
			}
			v = &s
		case 1:
			var s struct {
				URL string `json:"url"`
				config.Secret
			}
			if err = config.Decode("http", data, &s); err == nil {
				_, err = s.Secret.Resolve("http", env, "MILLWRIGHT_ERP_SECRET")
			}
			v = &s
		case 2:
			var s struct{}
			err = config.Decode("embedded", data, &s)
			v = &s
		}
		if err != nil {
			var e *millwright.Error
			if !errors.As(err, &e) || e.Kind != millwright.Invalid || e.Code == "" || e.Message == "" {
				t.Fatalf("settings %q: %#v; want an Invalid *millwright.Error with a code and a message", data, err)
			}
			if strings.Contains(e.Message, fuzzSecret) {
				t.Fatalf("settings %q: %q shows the secret", data, e.Message)
			}
			return
		}
		out, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("settings %q read as %+v, which does not marshal: %v", data, v, err)
		}
		again := reflect.New(reflect.TypeOf(v).Elem()).Interface()
		if err := config.Decode("again", out, again); err != nil {
			t.Fatalf("settings %q written as %s do not read back: %v", data, out, err)
		}
		if out2, _ := json.Marshal(again); !bytes.Equal(out, out2) {
			t.Fatalf("settings %q written as %s read back as %s", data, out, out2)
		}
	})
}
