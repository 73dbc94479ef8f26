package odoo

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/millwright-cmms/millwright"
)

// FuzzParseConfig checks the Odoo connector's settings file: whatever it
// holds, ParseConfig returns valid settings or an Invalid error with a code
// and a message that never shows the API key; settings that are read write
// back as a file that reads the same, and print without the key.
func FuzzParseConfig(f *testing.F) {
	const key = "odoo-key-fuzz-91d3"
	getenv := func(string) string { return key }
	f.Fuzz(func(t *testing.T, b []byte) {
		// api_key_file is read from the disk: keep the fuzzer off devices
		// such as /dev/zero, which would never end.
		var probe struct {
			APIKeyFile string `json:"api_key_file"`
		}
		if json.NewDecoder(bytes.NewReader(b)).Decode(&probe) == nil && probe.APIKeyFile != "" {
			if fi, err := os.Stat(probe.APIKeyFile); err == nil && (!fi.Mode().IsRegular() || fi.Size() > 1<<20) {
				t.Skip("api_key_file names a device or a large file")
			}
		}
		cfg, err := ParseConfig(b, getenv)
		if err != nil {
			var e *millwright.Error
			if !errors.As(err, &e) || e.Kind != millwright.Invalid || e.Code == "" || e.Message == "" {
				t.Fatalf("ParseConfig(%q) = %#v; want an Invalid *millwright.Error with a code and a message", b, err)
			}
			if strings.Contains(e.Message, key) {
				t.Fatalf("ParseConfig(%q) = %q, which shows the API key", b, e.Message)
			}
			return
		}
		if cfg.apiKey == "" {
			t.Fatalf("ParseConfig(%q) = settings without an API key", b)
		}
		if strings.Contains(cfg.String(), key) {
			t.Fatalf("ParseConfig(%q).String() = %q, which shows the API key", b, cfg.String())
		}
		out, err := json.Marshal(cfg)
		if err != nil {
			t.Fatalf("ParseConfig(%q) = %+v, which does not marshal: %v", b, cfg, err)
		}
		if bytes.Contains(out, []byte(key)) {
			t.Fatalf("ParseConfig(%q) marshals as %s, which shows the API key", b, out)
		}
		again, err := ParseConfig(out, getenv)
		if err != nil {
			t.Fatalf("ParseConfig(%q) written as %s does not read back: %v", b, out, err)
		}
		if out2, _ := json.Marshal(again); !bytes.Equal(out, out2) {
			t.Fatalf("ParseConfig(%q) written as %s reads back as %s", b, out, out2)
		}
	})
}
