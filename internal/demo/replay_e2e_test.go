package demo_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/callcycle/callcycle/internal/demo"
	"github.com/callcycle/callcycle/internal/money"
)

// TestReplay2024 runs the 2024 report through the real workflows and
// checks the annual report against the report's figures, to the cent and
// the percentages to the unit.
func TestReplay2024(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	ctx := context.Background()
	out := filepath.Join(t.TempDir(), "annual-report-2024.xlsx")
	r, err := demo.New(s.env, filepath.Join("..", "..", "examples", "2024"), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.Run(ctx, "", out)
	if err != nil {
		t.Fatalf("%v\n%s", err, s.out)
	}
	t.Log("\n" + s.out.String())
	if res.Total != money.Euros(881242) {
		t.Errorf("total %s, want 881.242 €", res.Total)
	}
	kinds := map[string]money.Cents{"Appel à projets Sud": money.Euros(625346), "Appel à projets CMS": money.Euros(200000),
		"Hors appels": money.Euros(32700), "Frais de fonctionnement": money.Euros(23196), "Aide d'urgence": 0}
	kindPct := map[string]int{"Appel à projets Sud": 71, "Appel à projets CMS": 23, "Hors appels": 4, "Frais de fonctionnement": 2, "Aide d'urgence": 0}
	for i, l := range res.ByKind {
		if l.Amount != kinds[l.Label] || res.KindPercent[i] != kindPct[l.Label] {
			t.Errorf("%s: %s %d %%, want %s %d %%", l.Label, l.Amount, res.KindPercent[i], kinds[l.Label], kindPct[l.Label])
		}
	}
	zones := map[string]money.Cents{"Territoire palestinien occupé": money.Euros(424946), "Région de Bruxelles-Capitale": money.Euros(243072),
		"Région de Rabat-Salé-Kénitra": money.Euros(126238), "Ville-Province de Kinshasa": money.Euros(80786), "Maroc (hors RRSK)": money.Euros(6200)}
	zonePct := map[string]int{"Territoire palestinien occupé": 48, "Région de Bruxelles-Capitale": 28, "Région de Rabat-Salé-Kénitra": 14,
		"Ville-Province de Kinshasa": 9, "Maroc (hors RRSK)": 1}
	if len(res.ByZone) != len(zones) {
		t.Errorf("zones %+v", res.ByZone)
	}
	for i, l := range res.ByZone {
		if l.Amount != zones[l.Label] || res.ZonePercent[i] != zonePct[l.Label] {
			t.Errorf("%s: %s %d %%, want %s %d %%", l.Label, l.Amount, res.ZonePercent[i], zones[l.Label], zonePct[l.Label])
		}
	}
	checkAnnualWorkbook(t, out)
	s.checkNoPersonalData(t)
	s.keepReplayHistories(t)
}
