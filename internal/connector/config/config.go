// Package config reads a connector's settings file (serve
// --connector-config): strict JSON whose unknown fields are refused, and a
// secret that comes from the environment or from a file of its own, never
// from the settings file, so that the file can be shown, copied and kept
// in version control.
package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/millwright-cmms/millwright"
)

// SecretEnv is the environment variable a connector's secret is read from
// when its settings name neither secret_env nor secret_file.
const SecretEnv = "MILLWRIGHT_CONNECTOR_SECRET"

// Env is where settings look outside the file: the environment and the
// file system. Its zero value reads the process's own.
type Env struct {
	Getenv   func(string) string
	ReadFile func(string) ([]byte, error)
}

func (e Env) getenv(k string) string {
	if e.Getenv == nil {
		return os.Getenv(k)
	}
	return e.Getenv(k)
}

func (e Env) readFile(p string) ([]byte, error) {
	if e.ReadFile == nil {
		return os.ReadFile(p)
	}
	return e.ReadFile(p)
}

// Decode reads the settings of connector from data into v. Unknown fields,
// and a secret written into the file itself, are refused with an Invalid
// error that names the field and says how to fix it; the error never
// quotes a value.
func Decode(connector string, data []byte, v any) error {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		data = []byte("{}")
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(data, &keys); err != nil {
		return millwright.Errorf(millwright.Invalid, "bad_connector_config",
			"the %s connector's settings must be one JSON object, such as {\"url\":\"https://…\"}: %s", connector, syntax(err))
	}
	for k := range keys {
		if lk := strings.ToLower(k); lk == "secret" || lk == "password" || lk == "api_key" || lk == "token" {
			return millwright.Errorf(millwright.Invalid, "secret_in_config",
				"the %s connector's settings hold %q: keep secrets out of the settings file; name the environment variable that holds it with \"secret_env\", or a file with \"secret_file\" (or set %s)",
				connector, k, SecretEnv)
		}
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return millwright.Errorf(millwright.Invalid, "bad_connector_config",
			"the %s connector's settings cannot be read: %s; see docs/connectors/ for its fields", connector, syntax(err))
	}
	return nil
}

// syntax says what is wrong with a JSON document without quoting it.
func syntax(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("invalid JSON at byte %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("field %q must be a JSON %s", te.Field, te.Type.Kind())
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// Secret says where a connector's secret is: in the environment variable
// Env, or in the file File (its whole content, surrounding white space
// trimmed). Embed it in a connector's settings.
type Secret struct {
	Env  string `json:"secret_env,omitempty"`
	File string `json:"secret_file,omitempty"`
}

// Resolve returns the secret of connector: from s.Env or s.File, or else
// from the first of fallback (environment variables) that is set, or else
// from SecretEnv. An error says where it looked, never what it found.
func (s Secret) Resolve(connector string, env Env, fallback ...string) (string, error) {
	switch {
	case s.Env != "" && s.File != "":
		return "", millwright.Errorf(millwright.Invalid, "bad_connector_config",
			"the %s connector's settings give both secret_env and secret_file; keep one", connector)
	case s.Env != "":
		v := strings.TrimSpace(env.getenv(s.Env))
		if v == "" {
			return "", millwright.Errorf(millwright.Invalid, "no_secret",
				"the %s connector's secret_env names %s, which is not set; export %s with the shared secret before starting", connector, s.Env, s.Env)
		}
		return v, nil
	case s.File != "":
		b, err := env.readFile(s.File)
		if err != nil {
			var pe *os.PathError
			why := "cannot be read"
			if errors.As(err, &pe) {
				why = "cannot be read (" + pe.Err.Error() + ")"
			}
			return "", millwright.Errorf(millwright.Invalid, "no_secret",
				"the %s connector's secret_file %s %s; write the shared secret into it, readable by this process only", connector, s.File, why)
		}
		v := strings.TrimSpace(string(b))
		if v == "" {
			return "", millwright.Errorf(millwright.Invalid, "no_secret",
				"the %s connector's secret_file %s is empty; write the shared secret into it", connector, s.File)
		}
		return v, nil
	}
	for _, k := range append(fallback, SecretEnv) {
		if v := strings.TrimSpace(env.getenv(k)); v != "" {
			return v, nil
		}
	}
	return "", millwright.Errorf(millwright.Invalid, "no_secret",
		"the %s connector has no secret; set %s, or name an environment variable with \"secret_env\" or a file with \"secret_file\" in its settings",
		connector, SecretEnv)
}

// Duration is a time.Duration written as a string such as "10s" or "2m".
type Duration time.Duration

// UnmarshalJSON reads "10s"; a bare number is refused, since its unit would be a guess.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a duration is a string such as \"10s\"")
	}
	v, err := time.ParseDuration(s)
	if err != nil || v < 0 {
		return fmt.Errorf("duration %q is not a positive duration such as \"10s\" or \"2m\"", s)
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON writes d as "10s".
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// Or returns d, or def when d is zero.
func (d Duration) Or(def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return time.Duration(d)
}
