package portal_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/portal"
	"github.com/callcycle/callcycle/internal/testenv"
)

// A staff member makes a second token through the API with the first,
// sees both listed without their secrets, revokes the first, which stops
// working at once; bad requests are refused and make no token.
func TestTokensThroughTheAPI(t *testing.T) {
	t.Parallel()
	db, _ := testenv.Postgres(t)
	ctx := context.Background()
	srv, err := portal.New(portal.Config{DB: db}, portal.Routes(nil)) // only /me and the tokens are called
	if err != nil {
		t.Fatal(err)
	}
	web := httptest.NewServer(srv.Handler())
	defer web.Close()
	id, _ := auth.CreateUser(ctx, db, "Fatou Ndiaye", "fatou@office.example", "", "test", auth.Finance)
	first, err := auth.CreateToken(ctx, db, id, "first", time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	do := caller(t, web.URL)
	for _, bad := range []string{`{"name": "", "days": 30}`, `{"name": "ci", "days": 0}`, `{"name": "ci", "days": 400}`, `{"name": "ci"`} {
		if code, body := do(first.Secret, "POST", "/api/v1/tokens", bad); code != http.StatusUnprocessableEntity {
			t.Errorf("create %s: %d %s, want 422", bad, code, body)
		}
	}
	code, body := do(first.Secret, "POST", "/api/v1/tokens", `{"name": "ci", "days": 30}`)
	var second auth.NewToken
	if code != 200 || json.Unmarshal([]byte(body), &second) != nil || !strings.HasPrefix(second.Secret, auth.TokenPrefix) {
		t.Fatalf("create: %d %s", code, body)
	}
	code, body = do(second.Secret, "GET", "/api/v1/tokens", "")
	var list portal.TokenList
	if code != 200 || json.Unmarshal([]byte(body), &list) != nil || len(list.Tokens) != 2 || strings.Contains(body, "cct_") {
		t.Fatalf("list: %d %s (want the two tokens, no secret)", code, body)
	}
	if code, body := do(second.Secret, "DELETE", "/api/v1/tokens/"+first.TokenID, ""); code != 200 {
		t.Fatalf("revoke: %d %s", code, body)
	}
	if code, _ := do(first.Secret, "GET", "/api/v1/me", ""); code != http.StatusUnauthorized {
		t.Errorf("the revoked token still answers %d", code)
	}
	var n int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM access_tokens`).Scan(&n); err != nil || n != 2 {
		t.Errorf("%d tokens stored, want 2: the refused requests made none", n)
	}
	if err := db.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action IN ('token.create', 'token.revoke') AND result = 'ok' AND actor = 'Fatou Ndiaye'`).Scan(&n); err != nil || n != 2 {
		t.Errorf("%d audit rows for the creation and the revocation, want 2", n)
	}
}
