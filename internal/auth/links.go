package auth

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// LinkPolicy is how e-mail sign-in links behave: how long one works, and
// how many may be asked for one address and from one client within
// Window. Zero fields take DefaultLinkPolicy's.
type LinkPolicy struct {
	Life       time.Duration // a link works this long after it was asked for
	PerAddress int           // requests for one address within Window
	PerClient  int           // requests from one client (IP address) within Window
	Window     time.Duration
}

// DefaultLinkPolicy: a link lives a quarter of an hour; an address gets
// five an hour (a person who mistypes, or whose mail is slow, asks again),
// a client twenty (an office behind one address has several people).
var DefaultLinkPolicy = LinkPolicy{Life: 15 * time.Minute, PerAddress: 5, PerClient: 20, Window: time.Hour}

// OrDefaults is p with its zero fields set from DefaultLinkPolicy.
func (p LinkPolicy) OrDefaults() LinkPolicy {
	d := DefaultLinkPolicy
	if p.Life <= 0 {
		p.Life = d.Life
	}
	if p.PerAddress <= 0 {
		p.PerAddress = d.PerAddress
	}
	if p.PerClient <= 0 {
		p.PerClient = d.PerClient
	}
	if p.Window <= 0 {
		p.Window = d.Window
	}
	return p
}

// Why a link is not sent or not taken. ErrLinkInvalid is one error for
// an expired, used, withdrawn or unknown link: which one is nobody's
// business but the log's, and a guessed token learns nothing.
var (
	ErrBadAddress  = errors.New("email: give the e-mail address of your account, such as name@example.org")
	ErrNoLinkUser  = errors.New("no applicant or reviewer has this address")
	ErrLinkInvalid = errors.New("this sign-in link does not work any more (it expired or was already used): ask for a new one")
)

// LimitError is a request refused by a rate limit; RetryAfter is when
// the oldest counted request leaves the window.
type LimitError struct {
	By         string // "address" or "client"
	RetryAfter time.Duration
}

func (e *LimitError) Error() string {
	what := "for this address"
	if e.By == "client" {
		what = "from your network address"
	}
	return fmt.Sprintf("too many sign-in links were asked %s: try again in %s", what, roundUp(e.RetryAfter))
}

func roundUp(d time.Duration) string {
	if d < time.Minute {
		return "a minute"
	}
	m := int((d + time.Minute - 1) / time.Minute)
	if m == 1 {
		return "a minute"
	}
	return fmt.Sprintf("%d minutes", m)
}

// linkRoles may sign in by link, and a user holding any other role may
// not: a session carries every role of its user, so a staff member's
// link would pass by the office's identity provider (its second factor,
// its leavers' list). Staff sign in through OIDC.
var linkRoles = []string{string(Applicant), string(Reviewer)}

// isLinkUser is the SQL test of u (a users row): enabled, holding one of
// the roles of the parameter roles (linkRoles) and no other.
func isLinkUser(roles string) string {
	return `u.disabled_at IS NULL
		AND EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.user_id AND r.role = ANY(` + roles + `))
		AND NOT EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.user_id AND r.role <> ALL(` + roles + `))`
}

// Advisory lock classes (pg_advisory_xact_lock(class, key)): requests
// for one address, and from one client, are counted one at a time.
const (
	linkAddressLock int32 = 0x43430002
	linkClientLock  int32 = 0x43430003
)

// linkKeep is how long a dead link's row stays, for the log's questions
// ("my link did not work"); then a new request removes it.
const linkKeep = 24 * time.Hour

// NormalAddress is email as users.email keeps it (trimmed, lower case),
// or ErrBadAddress when it is not a bare address.
func NormalAddress(email string) (string, error) {
	addr := strings.ToLower(strings.TrimSpace(email))
	a, err := mail.ParseAddress(addr)
	if err != nil || a.Address != addr || len(addr) > 254 || !strings.Contains(addr, "@") {
		return "", ErrBadAddress
	}
	return addr, nil
}

// RequestLink counts a request for a sign-in link to email from client
// (the caller's IP address) and, when the address is an applicant's or
// a reviewer's, makes a link for that user: the token goes in the mail,
// only its SHA-256 is stored. An address that is nobody's, or staff's,
// counts against the limits like any other (else the limits would tell
// which addresses are known) and gives ErrNoLinkUser, which the caller
// must answer exactly as it answers a sent link. A request over a limit
// is a *LimitError and is not counted.
func RequestLink(ctx context.Context, db *pgxpool.Pool, p LinkPolicy, email, client string, now time.Time) (token, userID string, err error) {
	p = p.OrDefaults()
	addr, err := NormalAddress(email)
	if err != nil {
		return "", "", err
	}
	addrKey, clientKey := hashOf("address:"+addr), hashOf("client:"+client)
	err = pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		// Two requests for one address (or from one client) at once, on any
		// portal instance, must not both pass the count: the second waits
		// here. The address is locked before the client always, so two
		// requests never wait for each other.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, linkAddressLock, addr); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, linkClientLock, client); err != nil {
			return err
		}
		// Old rows go, a few at a time and skipping any another request is
		// removing: the counts below never read them anyway.
		if _, err := tx.Exec(ctx, `DELETE FROM link_requests WHERE ctid IN
			(SELECT ctid FROM link_requests WHERE requested_at <= $1 LIMIT 500 FOR UPDATE SKIP LOCKED)`, now.Add(-p.Window)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM login_links WHERE ctid IN
			(SELECT ctid FROM login_links WHERE expires_at <= $1 LIMIT 500 FOR UPDATE SKIP LOCKED)`, now.Add(-linkKeep)); err != nil {
			return err
		}
		var byAddr, byClient int
		var firstAddr, firstClient *time.Time
		if err := tx.QueryRow(ctx, `SELECT count(*) FILTER (WHERE address_hash = $1), min(requested_at) FILTER (WHERE address_hash = $1),
				count(*) FILTER (WHERE client_hash = $2), min(requested_at) FILTER (WHERE client_hash = $2)
			FROM link_requests WHERE (address_hash = $1 OR client_hash = $2) AND requested_at > $3`, addrKey, clientKey, now.Add(-p.Window)).
			Scan(&byAddr, &firstAddr, &byClient, &firstClient); err != nil {
			return err
		}
		if byAddr >= p.PerAddress {
			return &LimitError{By: "address", RetryAfter: firstAddr.Add(p.Window).Sub(now)}
		}
		if byClient >= p.PerClient {
			return &LimitError{By: "client", RetryAfter: firstClient.Add(p.Window).Sub(now)}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO link_requests (address_hash, client_hash, requested_at) VALUES ($1, $2, $3)`, addrKey, clientKey, now); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `SELECT u.user_id::text FROM users u WHERE u.email = $1 AND `+isLinkUser("$2"), addr, linkRoles).Scan(&userID)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // counted, and nothing to send
		}
		if err != nil {
			return err
		}
		var hash []byte
		token, hash = secret()
		_, err = tx.Exec(ctx, `INSERT INTO login_links (link_hash, user_id, sent_to, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
			hash, userID, addr, now, now.Add(p.Life))
		return err
	})
	var limit *LimitError
	switch {
	case errors.As(err, &limit):
		return "", "", err
	case err != nil:
		return "", "", fmt.Errorf("sign-in link: %w", err)
	case userID == "":
		return "", "", ErrNoLinkUser
	}
	return token, userID, nil
}

// TakeLink uses the link of token and is its user; it works once, before
// it expires, for a user still enabled and still an applicant or a
// reviewer only. Marking it used is one statement, so of two uses at
// once only one gets a row back. Taking a link withdraws the user's
// other links still in their mailbox: they signed in. (A link another
// use holds at that moment is skipped, not waited for: two links of one
// user used at once must not wait on each other; each still works once.)
func TakeLink(ctx context.Context, db *pgxpool.Pool, token string, now time.Time) (string, error) {
	if token == "" || len(token) > 100 {
		return "", ErrLinkInvalid
	}
	var userID string
	err := db.QueryRow(ctx, `WITH taken AS (
			UPDATE login_links l SET used_at = $2 FROM users u
			WHERE l.link_hash = $1 AND l.used_at IS NULL AND l.expires_at > $2 AND u.user_id = l.user_id AND `+isLinkUser("$3")+`
			RETURNING l.user_id),
		withdrawn AS (
			UPDATE login_links SET used_at = $2 WHERE link_hash IN (SELECT o.link_hash FROM login_links o JOIN taken USING (user_id)
				WHERE o.used_at IS NULL AND o.link_hash <> $1 FOR UPDATE OF o SKIP LOCKED))
		SELECT user_id::text FROM taken`, hashOf(token), now, linkRoles).Scan(&userID)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", ErrLinkInvalid
	}
	if err != nil {
		return "", fmt.Errorf("sign-in link: %w", err)
	}
	return userID, nil
}
