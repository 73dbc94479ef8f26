package main

import (
	"context"
	"fmt"
	"io"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/store"
)

// userRole changes the role, and with --site the site, of an existing user:
// the one deliberate way to do it from the command line, in the audit trail.
// Its tokens and password stay and act with the new role at once.
func userRole(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	dsn, name, role, siteCode, err := userFlags("user role", getenv, stderr, args, true)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	var changed bool
	err = db.InTx(millwright.WithPrincipal(ctx, millwright.Principal{Username: "cli", Role: millwright.Admin}), func(tx *store.Tx) error {
		u, err := tx.UserByName(ctx, name)
		if millwright.ErrorKind(err) == millwright.NotFound {
			return usagef("user role: user %s does not exist; create it with 'millwright token create --user %s --role %s'", name, name, role)
		}
		if err != nil {
			return err
		}
		type grant struct {
			Role   millwright.Role `json:"role"`
			SiteID string          `json:"site_id"`
		}
		before := grant{u.Role, u.SiteID}
		u.Role = millwright.Role(role)
		if siteCode != "" {
			s, err := tx.SiteByCode(ctx, siteCode)
			if err != nil {
				return usagef("user role: no site has code %s; create it first or leave out --site", siteCode)
			}
			u.SiteID = s.ID
		}
		after := grant{u.Role, u.SiteID}
		if after == before {
			return nil
		}
		changed = true
		if err := tx.SaveUser(ctx, u); err != nil {
			return err
		}
		return tx.Audit(ctx, "user", u.ID, "change_role", before, after)
	})
	if err != nil {
		return err
	}
	if changed {
		fmt.Fprintf(stdout, "%s is now %s\n", name, role)
	} else {
		fmt.Fprintf(stdout, "%s is already %s; nothing changed\n", name, role)
	}
	return nil
}

// userSite says where u may act, for messages: "is limited to site NORTH"
// or "acts on every site".
func userSite(ctx context.Context, tx *store.Tx, u *store.User) (string, error) {
	if u.SiteID == "" {
		return "acts on every site", nil
	}
	code, _, err := tx.SiteCode(ctx, u.SiteID)
	if err != nil {
		return "", err
	}
	return "is limited to site " + code, nil
}
