package auth

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/millwright-cmms/millwright"
)

// MinPassword is the shortest password accepted, in characters.
const MinPassword = 8

// CheckUser checks a user as an administrator gives it, through the API
// or the web interface alike: a name to sign in with (at most 64
// characters, no spaces), one of the roles, and a password long enough
// when there is one (none: no web login).
func CheckUser(username string, role millwright.Role, password string) error {
	switch {
	case username == "":
		return millwright.Errorf(millwright.Invalid, "missing_field", "username is required; send the name the user signs in with")
	case len(username) > 64 || strings.ContainsFunc(username, unicode.IsSpace):
		return millwright.Errorf(millwright.Invalid, "invalid_username",
			"username %q must be at most 64 characters with no spaces", username)
	}
	if err := CheckRole(role); err != nil {
		return err
	}
	if password != "" && utf8.RuneCountInString(password) < MinPassword {
		return millwright.Errorf(millwright.Invalid, "password_too_short",
			"the password must have at least %d characters; choose a longer one or leave it out", MinPassword)
	}
	return nil
}

// CheckRole checks that role names one of millwright.Roles.
func CheckRole(role millwright.Role) error {
	if role == "" {
		return millwright.Errorf(millwright.Invalid, "missing_field", "role is required; use one of %s", roleNames())
	}
	if !millwright.ValidRole(role) {
		return millwright.Errorf(millwright.Invalid, "invalid_role", "role %q is not a role; use one of %s", role, roleNames())
	}
	return nil
}

func roleNames() string {
	names := make([]string, len(millwright.Roles))
	for i, r := range millwright.Roles {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}
