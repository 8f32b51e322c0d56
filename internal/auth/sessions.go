package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// SessionLife is how long a signed-in session lasts without signing in
// again: a working day.
const SessionLife = 10 * time.Hour

// SignInLife is how long a sign-in may take at the provider.
const SignInLife = 10 * time.Minute

// Why a session or a sign-in is refused.
var (
	ErrNoSession     = errors.New("no such session (signed out or expired)")
	ErrSignInUnknown = errors.New("no such sign-in under way (expired, or already used)")
	ErrNotAUser      = errors.New("not a callcycle user")
)

func secret() (string, []byte) {
	var raw [32]byte
	_, _ = rand.Read(raw[:])
	s := base64.RawURLEncoding.EncodeToString(raw[:])
	sum := sha256.Sum256([]byte(s))
	return s, sum[:]
}

func hashOf(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}

// SignIn is a sign-in under way: State goes to the provider and comes
// back; Nonce and Verifier (PKCE) check what comes back with it.
type SignIn struct {
	State, Nonce, Verifier string
}

// BeginSignIn records a sign-in with fresh secrets.
func BeginSignIn(ctx context.Context, db *pgxpool.Pool, now time.Time) (SignIn, error) {
	state, stateHash := secret()
	nonce, _ := secret()
	verifier, _ := secret()
	_, err := db.Exec(ctx, `INSERT INTO sign_ins (state_hash, nonce, verifier, created_at) VALUES ($1, $2, $3, $4)`, stateHash, nonce, verifier, now)
	return SignIn{State: state, Nonce: nonce, Verifier: verifier}, err
}

// TakeSignIn is the sign-in of state, used once: a replayed or late
// callback is refused.
func TakeSignIn(ctx context.Context, db *pgxpool.Pool, state string, now time.Time) (SignIn, error) {
	s := SignIn{State: state}
	var created time.Time
	err := db.QueryRow(ctx, `DELETE FROM sign_ins WHERE state_hash = $1 RETURNING nonce, verifier, created_at`, hashOf(state)).Scan(&s.Nonce, &s.Verifier, &created)
	if errors.Is(err, pgx.ErrNoRows) || err == nil && now.Sub(created) > SignInLife {
		return SignIn{}, ErrSignInUnknown
	}
	return s, err
}

// UserBySubject is the user a provider's subject (or, the first time,
// verified e-mail address) belongs to; it records the subject then.
func UserBySubject(ctx context.Context, db *pgxpool.Pool, subject, email string, emailVerified bool) (string, error) {
	var id string
	err := db.QueryRow(ctx, `SELECT user_id::text FROM users WHERE oidc_subject = $1 AND disabled_at IS NULL`, subject).Scan(&id)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return "", err
	}
	if !emailVerified || email == "" {
		return "", ErrNotAUser
	}
	err = db.QueryRow(ctx, `UPDATE users SET oidc_subject = $1 WHERE email = lower($2) AND oidc_subject IS NULL AND disabled_at IS NULL RETURNING user_id::text`,
		subject, email).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", ErrNotAUser
	}
	return id, err
}

// Session is an open session: the cookie's value (shown to the browser
// only) and the CSRF token a state-changing request must echo.
type Session struct {
	Cookie, CSRF string
	ExpiresAt    time.Time
}

// OpenSession starts a session for userID.
func OpenSession(ctx context.Context, db *pgxpool.Pool, userID string, now time.Time) (Session, error) {
	cookie, hash := secret()
	csrf, _ := secret()
	s := Session{Cookie: cookie, CSRF: csrf, ExpiresAt: now.Add(SessionLife)}
	_, err := db.Exec(ctx, `INSERT INTO sessions (session_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
		hash, userID, csrf, now, s.ExpiresAt)
	if err != nil {
		return Session{}, fmt.Errorf("open session: %w", err)
	}
	return s, nil
}

// SessionPrincipal is who a session cookie acts for, with the session's
// CSRF token.
func SessionPrincipal(ctx context.Context, db *pgxpool.Pool, cookie string, now time.Time) (Principal, string, error) {
	var p Principal
	var csrf string
	err := db.QueryRow(ctx, `SELECT u.user_id::text, u.name, coalesce(u.applicant_id, 0), s.csrf_token FROM sessions s JOIN users u USING (user_id)
		WHERE s.session_hash = $1 AND s.ended_at IS NULL AND s.expires_at > $2 AND u.disabled_at IS NULL`, hashOf(cookie), now).
		Scan(&p.UserID, &p.Name, &p.Organisation, &csrf)
	if errors.Is(err, pgx.ErrNoRows) {
		return Principal{}, "", ErrNoSession
	}
	if err != nil {
		return Principal{}, "", err
	}
	p.Roles, err = RolesOf(ctx, db, p.UserID)
	return p, csrf, err
}

// EndSession signs a session out; the cookie no longer works anywhere.
func EndSession(ctx context.Context, db *pgxpool.Pool, cookie string, now time.Time) error {
	_, err := db.Exec(ctx, `UPDATE sessions SET ended_at = $2 WHERE session_hash = $1 AND ended_at IS NULL`, hashOf(cookie), now)
	return err
}
