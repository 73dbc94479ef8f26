package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/integration/remote"
)

// Check is one line of `millwright connector check`: what was checked,
// what was found, and when it failed, how to fix it.
type Check struct {
	Name, Detail, Fix string
	OK                bool
}

// Check verifies the live connection: the endpoint answers, accepts a
// signed ping, refuses a wrongly signed one and, when EventsURL is set,
// answers a signed poll. It sends no message that changes anything.
func (c *Connector) Check(ctx context.Context) []Check {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	ping := func(secret string) (int, string, error) {
		m, _ := integration.NewMessage(fmt.Sprintf("ping:%d", c.now().UnixNano()), "", "", "connector-check", c.now(), pingPayload{})
		body, _ := json.Marshal(m)
		return c.probe(ctx, secret, body)
	}
	where := redact(c.URL)
	status, why, err := ping(c.Secret)
	if err != nil {
		return []Check{
			{Name: "reachable", Detail: "no answer from " + where + ": " + err.Error(),
				Fix: "check the url in the connector's settings, that the endpoint is up, and that this host may reach it (firewall, proxy)"},
			{Name: "authenticated", Detail: "not checked: the endpoint does not answer", Fix: "make it reachable first"},
		}
	}
	out := []Check{{Name: "reachable", OK: true, Detail: fmt.Sprintf("%s answers (%d)", where, status)}}
	signed := Check{Name: "authenticated", OK: true, Detail: "a ping signed with the secret is accepted (" + fmt.Sprint(status) + ")"}
	switch {
	case status/100 == 2:
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		signed.OK, signed.Detail = false, fmt.Sprintf("a ping signed with the secret was refused (%d): %s", status, why)
		signed.Fix = "give the endpoint the same secret as the CMMS (secret_env / secret_file / " + "MILLWRIGHT_CONNECTOR_SECRET), and check both clocks: a signature more than 300 s old is refused"
	case status == http.StatusNotFound:
		signed.OK, signed.Detail = false, "the url answers 404: "+why
		signed.Fix = "correct the url in the connector's settings: it must be the endpoint that takes messages"
	default:
		signed.OK, signed.Detail = false, fmt.Sprintf("a signed ping was answered %d: %s", status, why)
		signed.Fix = `the endpoint must answer 2xx to a message of kind "ping", applying nothing (docs/connectors/webhook.md)`
	}
	out = append(out, signed)
	refuse := Check{Name: "authenticated", OK: true}
	if status, why, err := ping(c.Secret + "-not-the-secret"); err != nil {
		refuse = Check{Name: "authenticated", Detail: "a ping signed with a wrong secret got no answer: " + err.Error(), Fix: "see the endpoint's log"}
	} else if status == http.StatusUnauthorized || status == http.StatusForbidden {
		refuse.Detail = fmt.Sprintf("a ping signed with a wrong secret is refused (%d)", status)
	} else {
		refuse = Check{Name: "authenticated", Detail: fmt.Sprintf("a ping signed with a wrong secret was answered %d: %s", status, why),
			Fix: "the endpoint must verify X-Millwright-Signature on every request and answer 401 when it does not match (docs/connectors/webhook.md shows how)"}
	}
	out = append(out, refuse)
	if c.EventsURL != "" {
		ev := Check{Name: "events", OK: true, Detail: redact(c.EventsURL) + " answers a signed poll"}
		probe := &Connector{URL: c.URL, EventsURL: c.EventsURL, Secret: c.Secret, HTTP: c.HTTP, Headers: c.Headers,
			Breaker: &remote.Breaker{}, Attempts: 1, Now: c.Now}
		if _, err := probe.Events(ctx, 0, 1); err != nil {
			ev = Check{Name: "events", Detail: "a signed poll of events_url failed: " + err.Error(),
				Fix: "events_url must answer GET ?after=SEQ&limit=N, signed over its request URI, with {\"events\":[...]}; or leave it out and push events to the CMMS's webhook"}
		}
		out = append(out, ev)
	}
	return out
}

// pingPayload is the empty payload of a ping.
type pingPayload struct{}

func (pingPayload) Kind() integration.MessageKind { return KindPing }

// probe posts body signed with secret, past the breaker, once.
func (c *Connector) probe(ctx context.Context, secret string, body []byte) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	for k, v := range c.Headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(remote.SignatureHeader, remote.Sign(secret, c.now(), body))
	res, err := c.HTTP.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return 0, "", err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	return res.StatusCode, reason(b), nil
}
