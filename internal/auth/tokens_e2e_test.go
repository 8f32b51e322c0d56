package auth_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/testenv"
)

// A token authenticates its user with the user's roles until it expires
// or is revoked; a token altered in any part, another's, or one of a
// disabled user does not; only its hash is stored.
func TestPersonalAccessTokens(t *testing.T) {
	t.Parallel()
	db, _ := testenv.Postgres(t)
	ctx := context.Background()
	now := time.Date(2030, 3, 1, 9, 0, 0, 0, time.UTC)
	officer, err := auth.CreateUser(ctx, db, "Awa Diallo", "awa@office.example", "sub-awa", "seed", auth.Officer, auth.Manager)
	if err != nil {
		t.Fatal(err)
	}
	other, err := auth.CreateUser(ctx, db, "Finance", "fin@office.example", "sub-fin", "seed", auth.Finance)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := auth.CreateToken(ctx, db, officer, "laptop", 30*24*time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok.Secret, auth.TokenPrefix) {
		t.Fatalf("token %q lacks its prefix", tok.Secret)
	}
	var stored int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM access_tokens WHERE position(convert_to($1, 'UTF8') in secret_hash) > 0 OR name = $1`, tok.Secret).Scan(&stored); err != nil || stored != 0 {
		t.Fatalf("the secret is stored as it is (%d, %v)", stored, err)
	}
	p, err := auth.Authenticate(ctx, db, tok.Secret, now.Add(time.Hour))
	if err != nil || p.UserID != officer || p.Name != "Awa Diallo" || len(p.Roles) != 2 || !p.Can(auth.ManageCalls) || p.Can(auth.ConfirmPayment) {
		t.Fatalf("authenticate: %+v, %v", p, err)
	}
	for name, tc := range map[string]struct {
		token string
		at    time.Time
		want  error
	}{
		"not ours":       {"ghp_abcdef", now, auth.ErrTokenMalformed},
		"secret altered": {tok.Secret[:len(tok.Secret)-2] + "xx", now, auth.ErrTokenUnknown},
		"no secret":      {auth.TokenPrefix + tok.TokenID + "_", now, auth.ErrTokenMalformed},
		"expired":        {tok.Secret, tok.ExpiresAt, auth.ErrTokenExpired},
	} {
		if _, err := auth.Authenticate(ctx, db, tc.token, tc.at); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
	}
	for _, life := range []time.Duration{0, auth.MaxTokenLife + time.Hour} {
		if _, err := auth.CreateToken(ctx, db, officer, "x", life, now); err == nil || !strings.Contains(err.Error(), "expiry") {
			t.Errorf("a token for %s: %v, want refused", life, err)
		}
	}
	if err := auth.RevokeToken(ctx, db, other, tok.TokenID, now); !errors.Is(err, auth.ErrTokenUnknown) {
		t.Errorf("another user revoked the token: %v", err)
	}
	if err := auth.RevokeToken(ctx, db, officer, tok.TokenID, now); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.Authenticate(ctx, db, tok.Secret, now.Add(time.Hour)); !errors.Is(err, auth.ErrTokenRevoked) {
		t.Errorf("a revoked token: %v", err)
	}
	second, _ := auth.CreateToken(ctx, db, other, "ci", time.Hour, now)
	if _, err := db.Exec(ctx, `UPDATE users SET disabled_at = now() WHERE user_id = $1`, other); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.Authenticate(ctx, db, second.Secret, now); !errors.Is(err, auth.ErrUserDisabled) {
		t.Errorf("a disabled user's token: %v", err)
	}
}
