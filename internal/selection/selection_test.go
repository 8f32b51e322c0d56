package selection

import (
	"slices"
	"testing"

	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/money"
)

const (
	tpo      = "Territoire palestinien occupé"
	rabat    = "Région de Rabat-Salé-Kénitra"
	kinshasa = "Ville-Province de Kinshasa"
)

func c(ref, region string, euros int64) Candidate {
	return Candidate{Reference: ref, Region: region, Amount: money.Euros(euros)}
}

func refs(p Proposal) []string {
	var out []string
	for _, k := range p.Picks {
		out = append(out, k.Reference)
	}
	return out
}

// The 2024 Sud call of the report: the ten funded projects ranked first,
// regions interleaved, then lower-ranked applications that must not be
// funded because both envelopes are exactly used up.
func TestSud2024(t *testing.T) {
	t.Parallel()
	ranked := []Candidate{
		c("TPO-1", tpo, 124_986),
		c("KIN-1", kinshasa, 25_000),
		c("TPO-2", tpo, 125_000),
		c("RSK-1", rabat, 125_000),
		c("TPO-3", tpo, 125_000),
		c("KIN-2", kinshasa, 25_000),
		c("TPO-4", tpo, 24_960),
		c("KIN-3", kinshasa, 10_400),
		c("TPO-5", tpo, 25_000),
		c("KIN-4", kinshasa, 15_000),
		// Not funded in 2024.
		c("TPO-6", tpo, 20_000),
		c("RSK-2", rabat, 125_000),
		c("KIN-5", kinshasa, 20_000),
		c("TPO-7", tpo, 125_000),
		c("RSK-3", rabat, 60_000),
		c("KIN-6", kinshasa, 45_000),
		c("TPO-8", tpo, 90_000),
		c("RSK-4", rabat, 20_000),
		c("KIN-7", kinshasa, 125_000),
	}
	reserved := []callspec.ReservedEnvelope{{Region: tpo, Amount: money.Euros(424_946)}}
	p := Propose(ranked, money.Euros(200_400), reserved)

	want := []string{"TPO-1", "KIN-1", "TPO-2", "RSK-1", "TPO-3", "KIN-2", "TPO-4", "KIN-3", "TPO-5", "KIN-4"}
	if got := refs(p); !slices.Equal(got, want) {
		t.Fatalf("picks = %v, want %v", got, want)
	}
	if got := p.Total(); got != money.Euros(625_346) {
		t.Errorf("total = %s, want 625.346 €", got)
	}
	for _, k := range p.Picks {
		wantEnv := ""
		if k.Region == tpo {
			wantEnv = tpo
		}
		if k.Envelope != wantEnv {
			t.Errorf("%s paid from %q, want %q", k.Reference, k.Envelope, wantEnv)
		}
	}
	wantBal := []EnvelopeBalance{
		{Region: tpo, Amount: money.Euros(424_946), Used: money.Euros(424_946)},
		{Region: "", Amount: money.Euros(200_400), Used: money.Euros(200_400)},
	}
	if !slices.Equal(p.Remaining, wantBal) {
		t.Errorf("remaining = %+v, want %+v", p.Remaining, wantBal)
	}
	if want := []string{"TPO-6", "RSK-2", "KIN-5", "TPO-7", "RSK-3", "KIN-6", "TPO-8", "RSK-4", "KIN-7"}; !slices.Equal(p.Skipped, want) {
		t.Errorf("skipped = %v, want %v", p.Skipped, want)
	}
}

func TestEdgeCases(t *testing.T) {
	t.Parallel()
	res := func(region string, euros int64) []callspec.ReservedEnvelope {
		return []callspec.ReservedEnvelope{{Region: region, Amount: money.Euros(euros)}}
	}
	tests := []struct {
		name     string
		ranked   []Candidate
		general  int64
		reserved []callspec.ReservedEnvelope
		picks    []string
		envelope []string // per pick
		skipped  []string
		used     []int64 // per Remaining entry
	}{
		{
			name:    "exact fit",
			ranked:  []Candidate{c("A", rabat, 60_000), c("B", kinshasa, 40_000)},
			general: 100_000,
			picks:   []string{"A", "B"}, envelope: []string{"", ""},
			used: []int64{100_000},
		},
		{
			name:     "nothing fits",
			ranked:   []Candidate{c("A", tpo, 130_000), c("B", rabat, 110_000)},
			general:  100_000,
			reserved: res(tpo, 120_000),
			skipped:  []string{"A", "B"},
			used:     []int64{0, 0},
		},
		{
			name:    "too big is passed over for a smaller lower-ranked one",
			ranked:  []Candidate{c("A", rabat, 80_000), c("B", kinshasa, 50_000), c("C", rabat, 20_000)},
			general: 100_000,
			picks:   []string{"A", "C"}, envelope: []string{"", ""},
			skipped: []string{"B"},
			used:    []int64{100_000},
		},
		{
			name:     "reserve too big for its region: the rest stays in the reserve",
			ranked:   []Candidate{c("A", tpo, 50_000), c("B", rabat, 100_000), c("C", kinshasa, 30_000)},
			general:  100_000,
			reserved: res(tpo, 400_000),
			picks:    []string{"A", "B"}, envelope: []string{tpo, ""},
			skipped: []string{"C"}, // 350.000 € left in the reserve are not lent to Kinshasa
			used:    []int64{50_000, 100_000},
		},
		{
			name:     "reserved region overflows into the general envelope",
			ranked:   []Candidate{c("A", tpo, 100_000), c("B", tpo, 100_000), c("C", rabat, 50_000)},
			general:  150_000,
			reserved: res(tpo, 150_000),
			picks:    []string{"A", "B", "C"}, envelope: []string{tpo, "", ""},
			used: []int64{100_000, 150_000},
		},
		{
			name:     "reserve walk skips a big one and takes a smaller one further down",
			ranked:   []Candidate{c("A", tpo, 100_000), c("B", tpo, 100_000), c("C", tpo, 50_000)},
			general:  0,
			reserved: res(tpo, 150_000),
			picks:    []string{"A", "C"}, envelope: []string{tpo, tpo},
			skipped: []string{"B"},
			used:    []int64{150_000, 0},
		},
		{
			name:    "equal projects: the ranking order decides",
			ranked:  []Candidate{c("B", rabat, 60_000), c("A", rabat, 60_000)},
			general: 100_000,
			picks:   []string{"B"}, envelope: []string{""},
			skipped: []string{"A"},
			used:    []int64{60_000},
		},
		{
			name:     "two reserves in config order",
			ranked:   []Candidate{c("K", kinshasa, 30_000), c("T", tpo, 30_000), c("K2", kinshasa, 30_000)},
			general:  30_000,
			reserved: append(res(tpo, 30_000), callspec.ReservedEnvelope{Region: kinshasa, Amount: money.Euros(30_000)}),
			picks:    []string{"K", "T", "K2"}, envelope: []string{kinshasa, tpo, ""},
			used: []int64{30_000, 30_000, 30_000},
		},
		{
			name:     "empty input",
			general:  100_000,
			reserved: res(tpo, 10_000),
			used:     []int64{0, 0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Propose(tt.ranked, money.Euros(tt.general), tt.reserved)
			if got := refs(p); !slices.Equal(got, tt.picks) {
				t.Errorf("picks = %v, want %v", got, tt.picks)
			}
			for i, k := range p.Picks {
				if i < len(tt.envelope) && k.Envelope != tt.envelope[i] {
					t.Errorf("%s paid from %q, want %q", k.Reference, k.Envelope, tt.envelope[i])
				}
			}
			if !slices.Equal(p.Skipped, tt.skipped) {
				t.Errorf("skipped = %v, want %v", p.Skipped, tt.skipped)
			}
			if len(p.Remaining) != len(tt.used) {
				t.Fatalf("remaining = %+v, want %d envelopes", p.Remaining, len(tt.used))
			}
			for i, b := range p.Remaining {
				if b.Used != money.Euros(tt.used[i]) || b.Used > b.Amount {
					t.Errorf("envelope %q used %s of %s, want %s", b.Region, b.Used, b.Amount, money.Euros(tt.used[i]))
				}
			}
			if last := p.Remaining[len(p.Remaining)-1]; last.Region != "" || last.Amount != money.Euros(tt.general) {
				t.Errorf("last balance = %+v, want the general envelope", last)
			}
			// Same input, same proposal.
			if again := Propose(tt.ranked, money.Euros(tt.general), tt.reserved); !slices.Equal(refs(again), refs(p)) {
				t.Errorf("not deterministic: %v then %v", refs(p), refs(again))
			}
		})
	}
}
