package odoo

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/millwright-cmms/millwright"
)

// Requisition modes: how a requisition request appears in Odoo.
const (
	// ModeRequisition makes one purchase.requisition (a purchase
	// agreement of type purchase_template) per request; the buyer confirms
	// it (approval) and makes the purchase orders from it.
	ModeRequisition = "purchase_requisition"
	// ModeDraftOrder makes one draft purchase.order per vendor of the
	// request's lines; the buyer confirms them (approval and order at once).
	ModeDraftOrder = "draft_purchase_order"
)

// Config is the Odoo connector's settings file (--connector-config). The
// API key is not in it: it is read from the environment variable
// api_key_env names, or from the file api_key_file names.
type Config struct {
	URL        string `json:"url"`                // https://odoo.example.com, the base the web client is served from
	Database   string `json:"database,omitempty"` // sent as X-Odoo-Database where the server hosts several databases
	APIKeyEnv  string `json:"api_key_env,omitempty"`
	APIKeyFile string `json:"api_key_file,omitempty"`

	RequisitionMode string `json:"requisition_mode"` // purchase_requisition (default) or draft_purchase_order
	// DefaultVendor is the res.partner (by name) a line with no vendor is
	// ordered from in draft_purchase_order mode.
	DefaultVendor string `json:"default_vendor,omitempty"`
	// Storerooms maps a CMMS storeroom code to its Odoo location.
	Storerooms map[string]Storeroom `json:"storerooms"`
	// DirectStoreroom is the storeroom whose location receives direct
	// items (bought for a work order); default: the only storeroom.
	DirectStoreroom string `json:"direct_storeroom,omitempty"`
	// CostCenters maps a CMMS cost center to the code (or, failing that,
	// the name) of an account.analytic.account.
	CostCenters map[string]string `json:"cost_centers"`
	// Units maps a CMMS unit to a uom.uom name; a unit not listed is
	// looked up by its own name, and EA by "Units".
	Units map[string]string `json:"units,omitempty"`
	// ConsumptionLocation is the location parts issued to work orders go
	// to (complete name); default "Virtual Locations/Production".
	ConsumptionLocation string `json:"consumption_location,omitempty"`
	// AdjustmentLocation takes and gives stock adjustments; default
	// "Virtual Locations/Inventory adjustment".
	AdjustmentLocation string `json:"adjustment_location,omitempty"`
	// MaintenanceRequests shows each work order as a maintenance.request
	// (the Maintenance app must be installed); default true.
	MaintenanceRequests *bool `json:"maintenance_requests,omitempty"`

	PollInterval Duration `json:"poll_interval,omitempty"` // how often the dispatcher polls; default 5s
	// SettleDelay keeps the newest seconds of Odoo's changes for the next
	// poll: Odoo stamps write_date when a transaction starts, so a change
	// committed late may carry an older stamp. Default 10s.
	SettleDelay Duration `json:"settle_delay,omitempty"`
	Timeout     Duration `json:"timeout,omitempty"` // one call; default 30s

	apiKey string
}

// Storeroom is where a CMMS storeroom's stock lives in Odoo.
type Storeroom struct {
	Location string `json:"location"`          // complete name, e.g. WH/Stock
	SiteID   string `json:"site_id,omitempty"` // the CMMS site, where storeroom codes repeat across sites
}

// Duration is a time.Duration written as "5s" in JSON.
type Duration struct{ time.Duration }

// UnmarshalJSON reads "5s", "1m30s".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a duration is a string such as \"5s\": %w", err)
	}
	v, err := time.ParseDuration(s)
	d.Duration = v
	return err
}

// MarshalJSON writes "5s".
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// LoadConfig reads the settings file at path and the API key it points
// to, through getenv for the environment.
func LoadConfig(path string, getenv func(string) string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, millwright.Errorf(millwright.Invalid, "bad_connector_config", "the Odoo settings file cannot be read: %v", err)
	}
	return ParseConfig(b, getenv)
}

// ParseConfig reads a settings file's content and the API key it points to.
func ParseConfig(b []byte, getenv func(string) string) (Config, error) {
	var cfg Config
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.DisallowUnknownFields()
	if err := d.Decode(&cfg); err != nil {
		return Config{}, millwright.Errorf(millwright.Invalid, "bad_connector_config",
			"the Odoo settings cannot be read: %v (an API key never goes in this file: use api_key_env or api_key_file)", err)
	}
	switch {
	case cfg.APIKeyEnv != "":
		cfg.apiKey = strings.TrimSpace(getenv(cfg.APIKeyEnv))
		if cfg.apiKey == "" {
			return Config{}, millwright.Errorf(millwright.Invalid, "missing_api_key",
				"the environment variable %s that api_key_env names is empty; set it to an Odoo API key", cfg.APIKeyEnv)
		}
	case cfg.APIKeyFile != "":
		k, err := os.ReadFile(cfg.APIKeyFile)
		if err != nil {
			return Config{}, millwright.Errorf(millwright.Invalid, "missing_api_key", "the API key file %s cannot be read: %v", cfg.APIKeyFile, err)
		}
		cfg.apiKey = strings.TrimSpace(string(k))
	default:
		return Config{}, millwright.Errorf(millwright.Invalid, "missing_api_key",
			"the Odoo settings name no API key: set api_key_env (an environment variable) or api_key_file")
	}
	return cfg, cfg.validate()
}

// WithAPIKey returns cfg with key as its API key, for tests and for
// callers that read the key themselves.
func (cfg Config) WithAPIKey(key string) Config {
	cfg.apiKey = key
	return cfg
}

// String shows the settings without the key.
func (cfg Config) String() string {
	return fmt.Sprintf("odoo %s (database %q, mode %s)", cfg.URL, cfg.Database, cfg.mode())
}

func (cfg Config) mode() string {
	if cfg.RequisitionMode == "" {
		return ModeRequisition
	}
	return cfg.RequisitionMode
}

func (cfg Config) maintenance() bool {
	return cfg.MaintenanceRequests == nil || *cfg.MaintenanceRequests
}

func (cfg Config) validate() error {
	bad := func(format string, args ...any) error {
		return millwright.Errorf(millwright.Invalid, "bad_connector_config", format, args...)
	}
	u, err := url.Parse(strings.TrimRight(cfg.URL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return bad("url %q must be the http(s) address of Odoo, e.g. https://odoo.example.com", cfg.URL)
	}
	if m := cfg.mode(); m != ModeRequisition && m != ModeDraftOrder {
		return bad("requisition_mode %q must be %s or %s", cfg.RequisitionMode, ModeRequisition, ModeDraftOrder)
	}
	if len(cfg.Storerooms) == 0 {
		return bad("storerooms maps no CMMS storeroom code to an Odoo location; add one, e.g. {\"MAIN\": {\"location\": \"WH/Stock\"}}")
	}
	for code, s := range cfg.Storerooms {
		if s.Location == "" {
			return bad("storeroom %s names no Odoo location", code)
		}
	}
	if cfg.DirectStoreroom != "" {
		if _, ok := cfg.Storerooms[cfg.DirectStoreroom]; !ok {
			return bad("direct_storeroom %s is not one of storerooms", cfg.DirectStoreroom)
		}
	} else if len(cfg.Storerooms) > 1 {
		return bad("with several storerooms, direct_storeroom must say which one receives direct items")
	}
	if cfg.apiKey == "" {
		return millwright.Errorf(millwright.Invalid, "missing_api_key", "no Odoo API key")
	}
	return nil
}

func (cfg Config) directStoreroom() string {
	if cfg.DirectStoreroom != "" {
		return cfg.DirectStoreroom
	}
	for code := range cfg.Storerooms {
		return code
	}
	return ""
}

func (cfg Config) pollInterval() time.Duration { return or(cfg.PollInterval.Duration, 5*time.Second) }
func (cfg Config) timeout() time.Duration      { return or(cfg.Timeout.Duration, 30*time.Second) }

// PollInterval is how often the dispatcher should poll Odoo.
func (c *Connector) PollInterval() time.Duration { return c.cfg.pollInterval() }

func or(v, def time.Duration) time.Duration {
	if v <= 0 {
		return def
	}
	return v
}
