package audit

import (
	"testing"
	"time"
)

// Two rows that differ in any field, or only in where a field ends, hash
// differently; a row that a spreadsheet would read as a formula is
// exported quoted.
func TestHashCoversEveryField(t *testing.T) {
	base := Row{Seq: 4, PrevHash: Genesis, Entry: Entry{At: time.Date(2030, 1, 2, 3, 4, 5, 6000, time.UTC), Actor: "ab", Role: "officer",
		Action: "grant.paid", Target: "GRANT-1", InputDigest: "d", Result: "ok"}}
	seen := map[string]string{hashOf(base): "base"}
	for name, r := range map[string]Row{
		"seq":    func(r Row) Row { r.Seq++; return r }(base),
		"prev":   func(r Row) Row { r.PrevHash = "x"; return r }(base),
		"at":     func(r Row) Row { r.At = r.At.Add(time.Microsecond); return r }(base),
		"actor":  func(r Row) Row { r.Actor = "a"; r.Role = "bofficer"; return r }(base), // same bytes run together
		"action": func(r Row) Row { r.Action = "grant.sign"; return r }(base),
		"target": func(r Row) Row { r.Target = "GRANT-2"; return r }(base),
		"digest": func(r Row) Row { r.InputDigest = "e"; return r }(base),
		"result": func(r Row) Row { r.Result = "refused"; return r }(base),
		"detail": func(r Row) Row { r.Detail = "on"; return r }(base),
	} {
		h := hashOf(r)
		if other, dup := seen[h]; dup {
			t.Errorf("changing %s gives the hash of %s", name, other)
		}
		seen[h] = name
	}
	rec := Row{Entry: Entry{Actor: "=HYPERLINK(\"x\")", Target: "+1"}}.Record()
	if rec[2] != `'=HYPERLINK("x")` || rec[5] != "'+1" {
		t.Errorf("formula-like fields exported as %q, %q", rec[2], rec[5])
	}
}
