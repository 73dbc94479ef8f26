// Package remote is the HTTP transport between the CMMS and an ERP that
// runs as its own process (`millwright erp serve`).
//
// The CMMS side is Client, an integration.Connector that posts messages to
// <base>/connector/v1/messages and reads <base>/connector/v1/events, with
// timeouts and a circuit breaker per endpoint. The ERP side is Handler,
// which serves those two endpoints over any integration.Connector (the
// embedded ERP), and Pusher, which pushes the ERP's new events to the
// CMMS's webhook in sequence order.
//
// Every request in either direction is signed: the header
// X-Millwright-Signature: t=UNIX,v1=HEX carries the HMAC-SHA256, keyed with
// the shared secret, of "t.body" (a GET signs its request URI in place of
// the body). A signature that is missing, wrong, or more than 300 seconds
// away from the receiver's clock is refused with 401.
package remote

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/millwright-cmms/millwright"
)

// SignatureHeader is the header that carries a request's signature.
const SignatureHeader = "X-Millwright-Signature"

// Tolerance is how far a signature's time may be from the receiver's clock.
const Tolerance = 300 * time.Second

// Sign returns the signature header value for body signed at t with secret.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + mac(secret, ts, body)
}

func mac(secret, ts string, body []byte) string {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(ts))
	h.Write([]byte{'.'})
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// Verify checks header, the value of X-Millwright-Signature, against body
// and secret at now. It accepts any of several v1 values (so a sender can
// sign with an old and a new secret while they are rotated) and compares
// in constant time. Any failure is an Unauthorized error that says what to
// fix, and never reveals the expected signature.
func Verify(secret, header string, body []byte, now time.Time) error {
	if secret == "" {
		return millwright.Errorf(millwright.Unauthorized, "no_secret",
			"this endpoint has no secret configured, so it accepts no signed request; set the shared secret on both sides")
	}
	if strings.TrimSpace(header) == "" {
		return millwright.Errorf(millwright.Unauthorized, "missing_signature",
			"send the %s header: t=UNIX,v1=HEX, the HMAC-SHA256 of \"t.body\" with the shared secret", SignatureHeader)
	}
	var ts string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch k {
		case "t":
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return millwright.Errorf(millwright.Unauthorized, "bad_signature",
			"the %s header must read t=UNIX,v1=HEX", SignatureHeader)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > Tolerance || d < -Tolerance {
		return millwright.Errorf(millwright.Unauthorized, "stale_signature",
			"the signature's time t=%d is %s from this server's clock; sign each request when it is sent, and keep both clocks in sync (at most %s apart)",
			sec, d.Round(time.Second), Tolerance)
	}
	want := []byte(mac(secret, ts, body))
	ok := false
	for _, s := range sigs {
		if hmac.Equal([]byte(s), want) {
			ok = true // no early exit: every candidate is compared
		}
	}
	if !ok {
		return millwright.Errorf(millwright.Unauthorized, "bad_signature",
			"the signature does not match the body; both sides must use the same secret (--secret / --erp-secret, or MILLWRIGHT_ERP_SECRET)")
	}
	return nil
}
