package remote_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/integration/remote"
)

// FuzzVerify checks that Verify reads any header without panicking, and
// that every refusal is an Unauthorized error with a code and a message
// that never shows the signature it expected.
func FuzzVerify(f *testing.F) {
	f.Fuzz(func(t *testing.T, secret, header string, body []byte, now int64) {
		at := time.Unix(now, 0)
		err := remote.Verify(secret, header, body, at)
		if err == nil {
			return
		}
		var e *millwright.Error
		if !errors.As(err, &e) || e.Kind != millwright.Unauthorized || e.Code == "" || e.Message == "" {
			t.Fatalf("Verify(%q, %q) = %#v; want an Unauthorized *millwright.Error with a code and a message", secret, header, err)
		}
		if secret != "" {
			want := remote.Sign(secret, at, body)
			_, mac, _ := strings.Cut(want, "v1=")
			if strings.Contains(e.Message, mac) && !strings.Contains(header, mac) {
				t.Fatalf("Verify(%q, %q) = %q, which reveals the expected signature", secret, header, e.Message)
			}
		}
	})
}

// FuzzSignVerify checks that a signature made by Sign verifies at the time
// it was made, and that changing any one byte of the body or of the
// header makes it fail.
func FuzzSignVerify(f *testing.F) {
	f.Fuzz(func(t *testing.T, secret string, body []byte, sec int64, pos uint, b byte) {
		if secret == "" {
			return // Verify refuses everything without a secret (FuzzVerify)
		}
		at := time.Unix(sec, 0)
		header := remote.Sign(secret, at, body)
		if err := remote.Verify(secret, header, body, at); err != nil {
			t.Fatalf("Verify(Sign(%q, %d, %q)) = %v; want nil", secret, sec, body, err)
		}
		if len(body) > 0 {
			changed := []byte(string(body))
			i := pos % uint(len(body))
			changed[i] = other(changed[i], b)
			if err := remote.Verify(secret, header, changed, at); err == nil {
				t.Fatalf("Verify(Sign(%q, %d, %q)) of the body %q (byte %d changed) = nil; want an error", secret, sec, body, changed, i)
			}
		}
		h := []byte(header)
		i := pos % uint(len(h))
		h[i] = other(h[i], b)
		if err := remote.Verify(secret, string(h), body, at); err == nil {
			t.Fatalf("Verify of the header %q (byte %d of %q changed) = nil; want an error", h, i, header)
		}
	})
}

// other returns b, or a byte other than c when b is c.
func other(c, b byte) byte {
	if b == c {
		return c + 1
	}
	return b
}
