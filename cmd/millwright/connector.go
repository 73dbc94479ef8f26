package main

import (
	"context"
	"errors"
	"flag"
	"os"
	"slices"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/connector"
	"github.com/millwright-cmms/millwright/internal/connector/config"
	"github.com/millwright-cmms/millwright/internal/integration"
)

// connectorFlags are the flags that choose the connector and its settings file.
func connectorFlags(fs *flag.FlagSet, getenv func(string) string) (name, settings *string) {
	name = fs.String("connector", getenv("MILLWRIGHT_CONNECTOR"), "the ERP connector: embedded (default), http (--erp is its shorthand), webhook or odoo")
	settings = fs.String("connector-config", getenv("MILLWRIGHT_CONNECTOR_CONFIG"), "the connector's settings file, JSON (docs/connectors/); secrets go in the environment or a file it names, never in it")
	return name, settings
}

// openConnector opens the connector cmd was started with. --erp URL alone
// means the http connector. Any error is bad input: one line, exit 2.
func openConnector(cmd, name, settingsPath string, r *remoteFlags, getenv func(string) string) (*connector.Conn, error) {
	switch {
	case name == "" && r.url != "":
		name = "http"
	case name == "":
		name = "embedded"
	case r.url != "" && name != "http":
		return nil, usagef("%s: --erp URL is the http connector's; with --connector %s leave it out (and MILLWRIGHT_ERP unset) and give its settings in --connector-config", cmd, name)
	}
	var settings []byte
	if settingsPath != "" {
		b, err := os.ReadFile(settingsPath)
		if err != nil {
			var pe *os.PathError
			why := err.Error()
			if errors.As(err, &pe) {
				why = pe.Err.Error()
			}
			return nil, usagef("%s: cannot read --connector-config %s (%s); give the path of the %s connector's settings file (docs/connectors/)", cmd, settingsPath, why, name)
		}
		settings = b
	} else if name != "embedded" && name != "http" && slices.Contains(connector.Names, name) {
		return nil, usagef("%s: --connector %s needs its settings file: --connector-config PATH (or MILLWRIGHT_CONNECTOR_CONFIG); see docs/connectors/%s.md", cmd, name, name)
	}
	conn, err := connector.Open(name, connector.Options{Settings: settings, Env: config.Env{Getenv: getenv},
		ERPURL: r.url, ERPSecret: r.secret})
	if err != nil {
		var e *millwright.Error
		if errors.As(err, &e) {
			return nil, usagef("%s: %s", cmd, e.Message)
		}
		return nil, usagef("%s: %v", cmd, err)
	}
	return conn, nil
}

// checkOpened runs the checks of a connector that brings its own
// (webhook, odoo), as lines of connector check.
func checkOpened(ctx context.Context, conn *connector.Conn) ([]check, integration.Connector) {
	if conn.Check == nil {
		return []check{{name: "reachable", detail: "the " + conn.Name + " connector has no live check yet"}}, conn.Connector
	}
	var out []check
	for _, c := range conn.Check(ctx) {
		out = append(out, check{name: c.Name, detail: c.Detail, fix: c.Fix, ok: c.OK})
	}
	return out, conn.Connector
}
