package remote_test

import (
	"strings"
	"testing"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/integration/remote"
)

func TestSignVerify(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"events":[]}`)
	good := remote.Sign("s3cret", now, body)
	if !strings.HasPrefix(good, "t=1800000000,v1=") || len(good) != len("t=1800000000,v1=")+64 {
		t.Fatalf("Sign = %q; want t=UNIX,v1= and 64 hex digits", good)
	}
	tests := []struct {
		name     string
		secret   string
		header   string
		body     string
		now      time.Time
		wantCode string // "" accepted
	}{
		{"valid", "s3cret", good, string(body), now, ""},
		{"299 s old", "s3cret", good, string(body), now.Add(299 * time.Second), ""},
		{"300 s old", "s3cret", good, string(body), now.Add(300 * time.Second), ""},
		{"301 s old", "s3cret", good, string(body), now.Add(301 * time.Second), "stale_signature"},
		{"301 s ahead", "s3cret", good, string(body), now.Add(-301 * time.Second), "stale_signature"},
		{"missing", "s3cret", "", string(body), now, "missing_signature"},
		{"blank", "s3cret", "  ", string(body), now, "missing_signature"},
		{"no v1", "s3cret", "t=1800000000", string(body), now, "bad_signature"},
		{"no t", "s3cret", "v1=" + strings.Repeat("0", 64), string(body), now, "bad_signature"},
		{"t not a number", "s3cret", "t=soon,v1=" + strings.Repeat("0", 64), string(body), now, "bad_signature"},
		{"wrong secret", "other", good, string(body), now, "bad_signature"},
		{"body changed", "s3cret", good, `{"events":[1]}`, now, "bad_signature"},
		{"time changed", "s3cret", strings.Replace(good, "t=1800000000", "t=1800000001", 1), string(body), now, "bad_signature"},
		{"one of two v1 matches", "s3cret", good + ",v1=" + strings.Repeat("a", 64), string(body), now, ""},
		{"rotated: old and new", "s3cret", remote.Sign("old", now, body) + "," + strings.Split(good, ",")[1], string(body), now, ""},
		{"no secret configured", "", good, string(body), now, "no_secret"},
		{"garbage", "s3cret", "hello", string(body), now, "bad_signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := remote.Verify(tt.secret, tt.header, []byte(tt.body), tt.now)
			switch {
			case tt.wantCode == "" && err != nil:
				t.Fatalf("Verify = %v; want accepted", err)
			case tt.wantCode != "" && (millwright.ErrorKind(err) != millwright.Unauthorized || millwright.ErrorCode(err) != tt.wantCode):
				t.Fatalf("Verify = %v; want Unauthorized %s", err, tt.wantCode)
			case err != nil && strings.Contains(err.Error(), strings.Split(good, "v1=")[1]):
				t.Fatalf("Verify's error %q reveals the expected signature", err)
			}
		})
	}
}
