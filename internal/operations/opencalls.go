package operations

import (
	"context"
	"encoding/json"
	"time"

	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/workflows"
)

// OpenCallsInput asks for the calls taking applications now.
type OpenCallsInput struct{}

// OpenCall is a call an applicant may apply to, with its rules.
type OpenCall struct {
	CallID   string             `json:"call_id"`
	Kind     string             `json:"kind"`
	Year     int                `json:"year"`
	Title    string             `json:"title"`
	Theme    string             `json:"theme"`
	Envelope Money              `json:"envelope"` // the general envelope
	Reserved []ReservedEnvelope `json:"reserved"`
	MinGrant Money              `json:"min_grant"`
	MaxGrant Money              `json:"max_grant"`
	Regions  []string           `json:"regions"`
	Criteria []Criterion        `json:"criteria"`
	Deadline time.Time          `json:"deadline"` // the workflow's: extended deadlines included
}

// ReservedEnvelope is money kept for one region.
type ReservedEnvelope struct {
	Region string `json:"region"`
	Amount Money  `json:"amount"`
}

// Criterion is one scoring criterion and its weight.
type Criterion struct {
	Name   string `json:"name"`
	Weight int    `json:"weight"`
}

// OpenCallsResult lists them, by deadline.
type OpenCallsResult struct {
	Calls []OpenCall `json:"calls"`
}

// OpenCalls lists the calls whose submission window is open: the rules
// from the launched configuration, the deadline and the stage from the
// call's workflow (the office may have extended or closed it).
func (s *Service) OpenCalls(ctx context.Context, by Actor, _ OpenCallsInput) (OpenCallsResult, error) {
	rows, err := s.DB.Query(ctx, `SELECT config FROM calls WHERE status = 'running' ORDER BY launched_at`)
	if err != nil {
		return OpenCallsResult{}, err
	}
	var calls []callspec.Call
	for rows.Next() {
		var raw []byte
		var c callspec.Call
		if err := rows.Scan(&raw); err != nil {
			rows.Close()
			return OpenCallsResult{}, err
		}
		if json.Unmarshal(raw, &c) == nil {
			calls = append(calls, c)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return OpenCallsResult{}, err
	}
	out := OpenCallsResult{Calls: []OpenCall{}}
	for _, c := range calls {
		st, err := s.callStatus(ctx, c.ID)
		if err != nil || st.Stage != workflows.StageOpen || !st.Deadline.After(s.now()) {
			continue // ended, closed, or not answering: not open to apply now
		}
		oc := OpenCall{CallID: c.ID, Kind: c.Kind, Year: c.Year, Title: c.Title, Theme: c.Theme, Envelope: M(c.Envelope),
			MinGrant: M(c.MinGrant), MaxGrant: M(c.MaxGrant), Regions: c.Regions, Deadline: st.Deadline,
			Reserved: []ReservedEnvelope{}, Criteria: []Criterion{}}
		for _, r := range c.Reserved {
			oc.Reserved = append(oc.Reserved, ReservedEnvelope{Region: r.Region, Amount: M(r.Amount)})
		}
		for _, k := range c.Criteria {
			oc.Criteria = append(oc.Criteria, Criterion{Name: k.Name, Weight: k.Weight})
		}
		out.Calls = append(out.Calls, oc)
	}
	return out, nil
}
