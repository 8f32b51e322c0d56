// Package selection turns a committee ranking into a funding proposal that
// fits the call's envelopes. It is pure (no I/O, no clock) so a workflow can
// run it directly and get the same answer on every replay.
//
// The rule, in the order the office applies it:
//
//  1. Reserved envelopes first, each in the order the call config lists
//     them. For one reserve, walk the ranking from the best project down and
//     take every project of that region whose amount still fits what is left
//     of the reserve. A project that does not fit is passed over, and the
//     walk goes on: a smaller, lower-ranked project of the same region may
//     still fit. This is how the reserve is filled as fully as the ranking
//     allows without ever overspending it.
//  2. Then the general envelope: walk the whole ranking again over the
//     projects not yet picked — any region, including a reserved region
//     whose project did not fit its reserve — and take each that fits what
//     is left.
//
// An envelope is never exceeded. Money left in a reserve stays in that
// reserve: it is NOT moved to the general envelope, because the government
// earmarked it for that region (2024: the Palestinian territory); moving it
// is a political decision the officer takes explicitly, not a side effect
// of the arithmetic. Ties are the ranking's business: Propose never
// reorders, so the same ranking always gives the same proposal.
package selection

import (
	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/money"
)

// Candidate is one ranked application. Propose receives them best first.
type Candidate struct {
	Reference string      `json:"reference"`
	Region    string      `json:"region"`
	Amount    money.Cents `json:"amount"`
}

// Pick is a selected project and the envelope that pays for it.
type Pick struct {
	Reference string      `json:"reference"`
	Region    string      `json:"region"`
	Amount    money.Cents `json:"amount"`
	Envelope  string      `json:"envelope"` // the reserved region's name, or "" for the general envelope
}

// EnvelopeBalance is what an envelope held and how much of it the
// proposal uses; Region is "" for the general envelope.
type EnvelopeBalance struct {
	Region string      `json:"region"`
	Amount money.Cents `json:"amount"`
	Used   money.Cents `json:"used"`
}

// Left is what the proposal leaves unspent in the envelope.
func (b EnvelopeBalance) Left() money.Cents { return b.Amount - b.Used }

// Proposal is the selection the officer sends to the government.
type Proposal struct {
	Picks     []Pick            `json:"picks"`     // in rank order
	Skipped   []string          `json:"skipped"`   // references that fit nowhere, in rank order
	Remaining []EnvelopeBalance `json:"remaining"` // reserved envelopes in config order, then general (Region "")
}

// Total is the sum of the picked amounts.
func (p Proposal) Total() money.Cents {
	var t money.Cents
	for _, k := range p.Picks {
		t += k.Amount
	}
	return t
}

// Propose applies the package rule to ranked (best first).
func Propose(ranked []Candidate, general money.Cents, reserved []callspec.ReservedEnvelope) Proposal {
	envelope := make([]string, len(ranked)) // per candidate; "" also means general
	picked := make([]bool, len(ranked))
	var p Proposal
	for _, r := range reserved {
		b := EnvelopeBalance{Region: r.Region, Amount: r.Amount}
		for i, c := range ranked {
			if !picked[i] && c.Region == r.Region && fits(c.Amount, b) {
				picked[i], envelope[i] = true, r.Region
				b.Used += c.Amount
			}
		}
		p.Remaining = append(p.Remaining, b)
	}
	g := EnvelopeBalance{Amount: general}
	for i, c := range ranked {
		if !picked[i] && fits(c.Amount, g) {
			picked[i] = true
			g.Used += c.Amount
		}
	}
	p.Remaining = append(p.Remaining, g)
	// Picks are listed in rank order whatever envelope pays them, which is
	// how the government reads the proposal.
	for i, c := range ranked {
		if picked[i] {
			p.Picks = append(p.Picks, Pick{Reference: c.Reference, Region: c.Region, Amount: c.Amount, Envelope: envelope[i]})
		} else {
			p.Skipped = append(p.Skipped, c.Reference)
		}
	}
	return p
}

// fits says whether amount can still be paid from b. A zero or negative
// amount is never a grant, so it is never picked (it would otherwise slip
// into an exhausted envelope).
func fits(amount money.Cents, b EnvelopeBalance) bool {
	return amount > 0 && amount <= b.Amount-b.Used
}
