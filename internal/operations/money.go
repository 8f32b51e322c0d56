package operations

import (
	"time"

	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/money"
)

// Money is an amount in a Result: exact cents, and the Belgian text
// officers read ("1.250,50 €").
type Money struct {
	Cents int64  `json:"cents"`
	Text  string `json:"text"`
}

// M makes a Money from cents.
func M(c money.Cents) Money { return Money{Cents: int64(c), Text: c.String()} }

// startOfDay: the dates an officer gives are days; a bare date parses as
// its end, so it is brought to the start of that day in Brussels.
func startOfDay(t time.Time) time.Time {
	b := t.In(callspec.Brussels)
	return time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, callspec.Brussels)
}
