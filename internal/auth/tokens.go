package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// TokenPrefix starts every personal access token, so a leaked one is
// recognisable (secret scanners, logs).
const TokenPrefix = "cct_"

// MaxTokenLife is the longest a token may live: a forgotten token stops
// by itself.
const MaxTokenLife = 366 * 24 * time.Hour

// Why a token is refused. The API answers every one the same way (401)
// so a caller learns nothing about other people's tokens; the log and
// the audit say which.
var (
	ErrTokenMalformed = errors.New("not a callcycle token")
	ErrTokenUnknown   = errors.New("no such token")
	ErrTokenExpired   = errors.New("the token has expired")
	ErrTokenRevoked   = errors.New("the token was revoked")
	ErrUserDisabled   = errors.New("the user is disabled")
)

// NewToken is a created token: Secret is shown once and never stored.
type NewToken struct {
	TokenID   string    `json:"token_id"`
	Name      string    `json:"name"`
	Secret    string    `json:"secret"`
	ExpiresAt time.Time `json:"expires_at"`
}

// CreateToken makes a personal access token for userID that lives life
// (at most MaxTokenLife). Only its SHA-256 is kept.
func CreateToken(ctx context.Context, db *pgxpool.Pool, userID, name string, life time.Duration, now time.Time) (NewToken, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return NewToken{}, fmt.Errorf("name: a token needs a name of 1 to 100 characters (what it is for)")
	}
	if life <= 0 || life > MaxTokenLife {
		return NewToken{}, fmt.Errorf("expiry: a token lives from a moment to %d days", int(MaxTokenLife.Hours()/24))
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return NewToken{}, err
	}
	id, secret := uuid.New(), base64.RawURLEncoding.EncodeToString(raw[:])
	t := NewToken{TokenID: id.String(), Name: name, Secret: TokenPrefix + id.String() + "_" + secret, ExpiresAt: now.Add(life).UTC()}
	sum := sha256.Sum256([]byte(secret))
	if _, err := db.Exec(ctx, `INSERT INTO access_tokens (token_id, user_id, name, secret_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		id, userID, name, sum[:], now, t.ExpiresAt); err != nil {
		return NewToken{}, fmt.Errorf("create token: %w", err)
	}
	return t, nil
}

// Authenticate is the principal a token acts for, or why not.
func Authenticate(ctx context.Context, db *pgxpool.Pool, token string, now time.Time) (Principal, error) {
	rest, ok := strings.CutPrefix(token, TokenPrefix)
	idText, secret, ok2 := strings.Cut(rest, "_")
	id, err := uuid.Parse(idText)
	if !ok || !ok2 || err != nil || secret == "" {
		return Principal{}, ErrTokenMalformed
	}
	var hash []byte
	var expires time.Time
	var revoked, disabled *time.Time
	var p Principal
	err = db.QueryRow(ctx, `SELECT t.secret_hash, t.expires_at, t.revoked_at, u.user_id::text, u.name, u.disabled_at, coalesce(u.applicant_id, 0)
		FROM access_tokens t JOIN users u USING (user_id) WHERE t.token_id = $1`, id).
		Scan(&hash, &expires, &revoked, &p.UserID, &p.Name, &disabled, &p.Organisation)
	if errors.Is(err, pgx.ErrNoRows) {
		return Principal{}, ErrTokenUnknown
	}
	if err != nil {
		return Principal{}, err
	}
	sum := sha256.Sum256([]byte(secret))
	switch {
	case subtle.ConstantTimeCompare(sum[:], hash) != 1:
		return Principal{}, ErrTokenUnknown
	case revoked != nil:
		return Principal{}, ErrTokenRevoked
	case !now.Before(expires):
		return Principal{}, ErrTokenExpired
	case disabled != nil:
		return Principal{}, ErrUserDisabled
	}
	if p.Roles, err = RolesOf(ctx, db, p.UserID); err != nil {
		return Principal{}, err
	}
	_, _ = db.Exec(ctx, `UPDATE access_tokens SET last_used_at = $2 WHERE token_id = $1`, id, now)
	return p, nil
}

// RevokeToken ends a token of userID's; revoking it again changes nothing.
func RevokeToken(ctx context.Context, db *pgxpool.Pool, userID, tokenID string, now time.Time) error {
	tag, err := db.Exec(ctx, `UPDATE access_tokens SET revoked_at = coalesce(revoked_at, $3) WHERE token_id = $1 AND user_id = $2`, tokenID, userID, now)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return ErrTokenUnknown
	}
	return nil
}

// RolesOf is a user's roles, in the brief's order.
func RolesOf(ctx context.Context, db *pgxpool.Pool, userID string) ([]Role, error) {
	rows, err := db.Query(ctx, `SELECT role FROM user_roles WHERE user_id = $1`, userID)
	if err != nil {
		return nil, err
	}
	held, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	var out []Role
	for _, r := range Roles {
		for _, h := range held {
			if string(r) == h {
				out = append(out, r)
			}
		}
	}
	return out, nil
}

// CreateUser adds a person with roles (an administrator's act, or the
// seed of `make dev`).
func CreateUser(ctx context.Context, db *pgxpool.Pool, name, email, oidcSubject, by string, roles ...Role) (string, error) {
	id := uuid.New().String()
	err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO users (user_id, name, email, oidc_subject) VALUES ($1, $2, lower($3), NULLIF($4, ''))`, id, name, email, oidcSubject); err != nil {
			return err
		}
		for _, r := range roles {
			if _, err := tx.Exec(ctx, `INSERT INTO user_roles (user_id, role, granted_by) VALUES ($1, $2, $3)`, id, string(r), by); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("create user %s: %w", name, err)
	}
	return id, nil
}

// TokenInfo is a token as its owner sees it later: never the secret.
type TokenInfo struct {
	TokenID    string     `json:"token_id"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

// TokensOf lists userID's tokens, newest first.
func TokensOf(ctx context.Context, db *pgxpool.Pool, userID string) ([]TokenInfo, error) {
	rows, err := db.Query(ctx, `SELECT token_id::text, name, created_at, expires_at, revoked_at, last_used_at
		FROM access_tokens WHERE user_id = $1 ORDER BY created_at DESC`, userID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (TokenInfo, error) {
		var t TokenInfo
		err := row.Scan(&t.TokenID, &t.Name, &t.CreatedAt, &t.ExpiresAt, &t.RevokedAt, &t.LastUsedAt)
		return t, err
	})
}
