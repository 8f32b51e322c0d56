package activities_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/callcycle/callcycle/activities"
	"github.com/callcycle/callcycle/internal/testenv"
)

// TestAnnualDataFoldsZones: rows recorded before zones were kept, in
// another spelling of a kept zone, add up under the kept spelling (one
// report line, not two); a zone matching nothing keeps its own line; the
// kept list is the configured zones, then the launched calls' regions.
func TestAnnualDataFoldsZones(t *testing.T) {
	t.Parallel()
	db, _ := testenv.Postgres(t)
	ctx := t.Context()
	if _, err := db.Exec(ctx, `INSERT INTO calls (call_id, kind, year, title, config, launched_at)
		VALUES ('AP-Z-2024', 'hors-appel', 2024, 't', '{"regions": ["Gaza", "territoire palestinien OCCUPÉ"]}', now())`); err != nil {
		t.Fatal(err)
	}
	for i, z := range []string{"Territoire Palestinien Occupé", " territoire  palestinien occupe", "Ailleurs"} {
		if _, err := db.Exec(ctx, `INSERT INTO expenses (year, invoice, supplier, description, zone, amount_cents, invoiced_on, recorded_by, recorded_at)
			VALUES (2024, $1, 's', 'd', $2, 1000, '2024-02-02', 'test', now())`, fmt.Sprint("F", i), z); err != nil {
			t.Fatal(err)
		}
	}
	l, err := activities.LoadZones(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if got := l.Names(); len(got) != 6 || got[5] != "Gaza" || !slices.Contains(got, "Territoire palestinien occupé") {
		t.Errorf("kept zones %q: want the 5 configured ones, then the call's new region", got)
	}
	d, err := activities.AnnualData(ctx, db, 2024)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(d.ByZone); got != "[{Territoire palestinien occupé 20 €} {Ailleurs 10 €}]" {
		t.Errorf("by zone %s", got)
	}
}
