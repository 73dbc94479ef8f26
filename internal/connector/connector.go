// Package connector opens the ERP connector the CMMS is started with
// (`serve --connector NAME --connector-config PATH`): the embedded ERP in
// process, the ERP process over HTTP, the generic webhook connector, or
// Odoo. It is the one place that knows them all: adding a connector is
// one case in Open.
package connector

import (
	"context"
	"os"
	"strings"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/connector/config"
	"github.com/millwright-cmms/millwright/internal/connector/odoo"
	"github.com/millwright-cmms/millwright/internal/connector/webhook"
	"github.com/millwright-cmms/millwright/internal/erp"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/integration/remote"
	"github.com/millwright-cmms/millwright/internal/store"
)

// Names are the connectors Open knows, in the order help lists them.
var Names = []string{"embedded", "http", "webhook", "odoo"}

// Options is what a connector may need to open.
type Options struct {
	// Settings is the content of the --connector-config file (JSON), or
	// nil when none was given.
	Settings []byte
	// Env is where secrets are read: the environment and files.
	Env config.Env
	// DB is the CMMS's database, where the embedded ERP keeps its books.
	DB *store.DB
	// ERPURL and ERPSecret are serve's --erp and --erp-secret, the
	// shorthand settings of the http connector.
	ERPURL, ERPSecret string
}

// Conn is an opened connector.
type Conn struct {
	integration.Connector
	// Name is the connector's name; its events come to
	// POST /api/v1/integration/webhooks/{Name} when WebhookSecret is set.
	Name string
	// WebhookSecret verifies the signature of the events the ERP pushes;
	// "" when the connector takes no webhook.
	WebhookSecret string
	// ERPURL is where the ERP's own users work, when it is not this
	// process: the CMMS serves no /api/v1/erp/ routes then.
	ERPURL string
	// Check verifies the live connection for `connector check`; nil when
	// the command checks the connector its own way.
	Check func(ctx context.Context) []webhook.Check
	// PollInterval is how often the dispatcher asks a connector that
	// pushes no events for them; 0: serve's --erp-poll.
	PollInterval time.Duration
}

// Open opens the connector called name. Any error is Invalid (exit
// status 2), says how to fix it, and never holds a secret.
func Open(name string, o Options) (*Conn, error) {
	switch name {
	case "", "embedded":
		if len(o.Settings) > 0 {
			var none struct{}
			if err := config.Decode("embedded", o.Settings, &none); err != nil {
				return nil, err
			}
		}
		return &Conn{Connector: erp.New(o.DB), Name: "embedded"}, nil
	case "http":
		return openHTTP(o)
	case webhook.Name:
		c, err := webhook.Open(o.Settings, o.Env)
		if err != nil {
			return nil, err
		}
		return &Conn{Connector: c, Name: webhook.Name, WebhookSecret: c.Secret, ERPURL: c.ERPURL, Check: c.Check}, nil
	case "odoo":
		return openOdoo(o)
	}
	return nil, millwright.Errorf(millwright.Invalid, "unknown_connector",
		"unknown connector %q; use --connector %s", name, strings.Join(Names, ", "))
}

// HTTPSettings are the http connector's settings file: the ERP process of
// `millwright erp serve`. serve's --erp URL and --erp-secret (or
// MILLWRIGHT_ERP_SECRET) are its shorthand.
type HTTPSettings struct {
	URL string `json:"url"` // http://host:port of `millwright erp serve`
	config.Secret
}

func openHTTP(o Options) (*Conn, error) {
	var s HTTPSettings
	if err := config.Decode("http", o.Settings, &s); err != nil {
		return nil, err
	}
	if s.URL == "" {
		s.URL = o.ERPURL
	}
	if s.URL == "" {
		return nil, millwright.Errorf(millwright.Invalid, "bad_connector_config",
			"the http connector needs the ERP's URL: \"url\" in its settings, or --erp http://HOST:PORT (where `millwright erp serve` listens)")
	}
	secret := o.ERPSecret
	if secret == "" || s.Env != "" || s.File != "" {
		var err error
		if secret, err = s.Secret.Resolve("http", o.Env, "MILLWRIGHT_ERP_SECRET"); err != nil {
			if s.Env != "" || s.File != "" {
				return nil, err
			}
			return nil, millwright.Errorf(millwright.Invalid, "no_secret",
				"the http connector needs the secret shared with the ERP process (its --secret): --erp-secret S, MILLWRIGHT_ERP_SECRET, or secret_env / secret_file in its settings")
		}
	}
	c, err := remote.NewClient(s.URL, secret)
	if err != nil {
		return nil, err
	}
	return &Conn{Connector: c, Name: "http", WebhookSecret: secret, ERPURL: c.BaseURL}, nil
}

// openOdoo opens the Odoo 19 connector (docs/connectors/odoo.md): its
// settings name Odoo's URL and where its API key is, never the key.
func openOdoo(o Options) (*Conn, error) {
	getenv := o.Env.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	cfg, err := odoo.ParseConfig(o.Settings, getenv)
	if err != nil {
		return nil, err
	}
	c, err := odoo.New(cfg, nil)
	if err != nil {
		return nil, err
	}
	check := func(ctx context.Context) []webhook.Check {
		if err := c.Health(ctx); err != nil {
			return []webhook.Check{{Name: "reachable", Detail: err.Error(),
				Fix: "check url and the API key in the settings (docs/connectors/odoo.md)"}}
		}
		out := []webhook.Check{{Name: "reachable", Detail: cfg.URL + " answers and accepts the API key", OK: true}}
		gaps, err := c.Check(ctx)
		if err != nil {
			return append(out, webhook.Check{Name: "models", Detail: err.Error(), Fix: "see docs/connectors/odoo.md"})
		}
		for _, g := range gaps {
			out = append(out, webhook.Check{Name: "settings", Detail: g.What, Fix: g.Fix})
		}
		if len(gaps) == 0 {
			out = append(out, webhook.Check{Name: "settings", Detail: "the models, locations, analytic accounts and units the settings name are in Odoo", OK: true})
		}
		return out
	}
	return &Conn{Connector: c, Name: "odoo", ERPURL: cfg.URL, Check: check, PollInterval: c.PollInterval()}, nil
}
