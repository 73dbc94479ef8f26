package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/millwright-cmms/millwright"
)

// User is a person or program that signs in.
type User struct {
	ID       string          `json:"id"`
	Username string          `json:"username"`
	Role     millwright.Role `json:"role"`
	SiteID   string          `json:"site_id"`
	// Craft is the code of the user's default craft: labor they log for
	// themselves without a rate takes its rate. "" for none.
	Craft        string    `json:"craft"`
	PasswordHash string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
}

// Principal returns the principal the user acts as.
func (u *User) Principal() millwright.Principal {
	return millwright.Principal{UserID: u.ID, Username: u.Username, Role: u.Role, SiteID: u.SiteID}
}

const userCols = `id, username, role, site_id, password_hash, created_at, craft`

func scanUser(r interface{ Scan(...any) error }) (User, error) {
	var u User
	err := r.Scan(&u.ID, &u.Username, &u.Role, (*nullStr)(&u.SiteID), &u.PasswordHash, (*dbTime)(&u.CreatedAt), &u.Craft)
	return u, err
}

// UserByName returns the user called username.
func (tx *Tx) UserByName(ctx context.Context, username string) (*User, error) {
	u, err := scanUser(tx.queryRow(ctx, `SELECT `+userCols+` FROM users WHERE username = ?`, username))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, millwright.Errorf(millwright.NotFound, "not_found", "user %s does not exist", username)
	}
	return &u, err
}

// UserPrincipal returns what the user called username signs in as.
func (tx *Tx) UserPrincipal(ctx context.Context, username string) (millwright.Principal, error) {
	u, err := tx.UserByName(ctx, username)
	if err != nil {
		return millwright.Principal{}, err
	}
	return u.Principal(), nil
}

// CreateUser stores a new user.
func (tx *Tx) CreateUser(ctx context.Context, u *User) error {
	u.ID, u.CreatedAt = millwright.NewID("usr"), tx.now
	_, err := tx.exec(ctx, `INSERT INTO users (`+userCols+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.Username, u.Role, null(u.SiteID), u.PasswordHash, u.CreatedAt, u.Craft)
	return duplicate(err, "user %s already exists", u.Username)
}

// SaveUser stores a user's role, site, craft and password hash.
func (tx *Tx) SaveUser(ctx context.Context, u *User) error {
	_, err := tx.exec(ctx, `UPDATE users SET role = ?, site_id = ?, password_hash = ?, craft = ? WHERE id = ?`,
		u.Role, null(u.SiteID), u.PasswordHash, u.Craft, u.ID)
	return err
}

// CreateToken stores the hash of a new API token for a user; it returns the token id.
func (tx *Tx) CreateToken(ctx context.Context, userID, hash string) (string, error) {
	id := millwright.NewID("tok")
	_, err := tx.exec(ctx, `INSERT INTO tokens (id, user_id, hash, created_at) VALUES (?, ?, ?, ?)`,
		id, userID, hash, tx.now)
	return id, err
}

// UserByTokenHash returns the user a token belongs to and the token's id,
// in one statement (authentication runs it on every request, with
// DB.Lookup).
func (tx *Tx) UserByTokenHash(ctx context.Context, hash string) (*User, string, error) {
	var (
		u       User
		tokenID string
	)
	err := tx.queryRow(ctx, `
		SELECT u.id, u.username, u.role, u.site_id, u.password_hash, u.created_at, u.craft, t.id
		FROM tokens t JOIN users u ON u.id = t.user_id
		WHERE t.hash = ?`, hash,
	).Scan(&u.ID, &u.Username, &u.Role, (*nullStr)(&u.SiteID), &u.PasswordHash, (*dbTime)(&u.CreatedAt), &u.Craft, &tokenID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", millwright.Errorf(millwright.Unauthorized, "unauthorized",
			"the bearer token is not valid; create one with: millwright token create --user NAME --role ROLE")
	}
	if err != nil {
		return nil, "", err
	}
	return &u, tokenID, nil
}

// User returns the user with id.
func (tx *Tx) User(ctx context.Context, id string) (*User, error) {
	u, err := scanUser(tx.queryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, millwright.Errorf(millwright.NotFound, "not_found", "user %s does not exist", id)
	}
	return &u, err
}

// UserFilter selects users for a list. Empty fields select everything.
type UserFilter struct {
	SiteID string // only users limited to this site
	Role   millwright.Role
	Cursor string // the id of the last user of the previous page
	Limit  int
}

// Users lists users by id.
func (tx *Tx) Users(ctx context.Context, f UserFilter) (millwright.Page[User], error) {
	n := page(f.Limit)
	rows, err := tx.query(ctx, `SELECT `+userCols+` FROM users
		WHERE id > ? AND (? = '' OR site_id = ?) AND (? = '' OR role = ?)
		ORDER BY id LIMIT ?`, f.Cursor, f.SiteID, f.SiteID, f.Role, f.Role, n)
	if err != nil {
		return millwright.Page[User]{}, err
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return millwright.Page[User]{}, err
		}
		out = append(out, u)
	}
	return millwright.NewPage(out, n, func(u User) string { return u.ID }), rows.Err()
}
