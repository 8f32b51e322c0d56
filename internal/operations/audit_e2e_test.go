package operations_test

import (
	"context"
	"strings"
	"testing"

	"github.com/callcycle/callcycle/internal/audit"
)

// checkAudited: after the grants test's actions, the audit log holds one
// row per accepted action and per refused attempt, with the officer, the
// target and the result, the fields a refusal named but never what was
// typed, and an intact chain.
func checkAudited(t *testing.T, s *stack, grantID string) {
	t.Helper()
	ctx := context.Background()
	type key struct{ action, target, result, detail string }
	got := map[key]int{}
	rows, err := s.db.Query(ctx, `SELECT action, target, result, detail, actor, role FROM audit_log ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k key
		var actor, role string
		if err := rows.Scan(&k.action, &k.target, &k.result, &k.detail, &actor, &role); err != nil {
			t.Fatal(err)
		}
		if actor != "e2e-officer" || role != "officer" {
			t.Errorf("%v recorded as %s (%s)", k, actor, role)
		}
		got[k]++
	}
	rows.Close()
	for k, n := range map[key]int{
		{"grant.sign", grantID, "ok", ""}:               1,
		{"grant.sign", grantID, "refused", "on"}:        1, // the future signature
		{"grant.sign", "GRANT-NOPE", "not_found", ""}:   1,
		{"grant.paid", grantID, "ok", ""}:               2,
		{"grant.report", grantID, "refused", "lessons"}: 1,
		{"grant.report", grantID, "ok", ""}:             1,
		{"call.decide", "AP-CMS-G", "ok", ""}:           1,
		{"payments.export", "AP-CMS-G", "ok", ""}:       1,
	} {
		if got[k] != n {
			t.Errorf("audit rows %+v: %d, want %d", k, got[k], n)
		}
	}
	var leaked int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE detail LIKE '%@%' OR detail LIKE '%BE%' OR actor LIKE '%@%'`).Scan(&leaked); err != nil || leaked != 0 {
		t.Errorf("%d audit rows hold an address or account (%v)", leaked, err)
	}
	res, err := audit.Verify(ctx, s.db)
	if err != nil || res.Rows == 0 {
		t.Fatalf("verify: %+v %v", res, err)
	}
	if t.Failed() {
		var b strings.Builder
		for k, n := range got {
			b.WriteString(strings.Join([]string{k.action, k.target, k.result, k.detail}, " ") + "\n")
			_ = n
		}
		t.Logf("audit rows:\n%s", b.String())
	}
}
