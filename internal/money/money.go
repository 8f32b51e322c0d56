// Package money keeps amounts as int64 euro cents and prints them the way
// the office writes them (Belgian style): 125.000 €, 6.200,50 €.
package money

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Cents is an amount of euro cents. Never use floating point for money.
type Cents int64

// Euros builds an amount from whole euros.
func Euros(e int64) Cents { return Cents(e * 100) }

// String prints Belgian style: thousands with '.', decimals with ',' only
// when there are cents, and the euro sign after a space.
func (c Cents) String() string {
	neg := c < 0
	if neg {
		c = -c
	}
	euros, cents := int64(c)/100, int64(c)%100
	digits := strconv.FormatInt(euros, 10)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	if cents != 0 {
		// strconv, not fmt.Fprintf: workflows print amounts and
		// workflowcheck treats writers as possible I/O.
		b.WriteByte(',')
		if cents < 10 {
			b.WriteByte('0')
		}
		b.WriteString(strconv.FormatInt(cents, 10))
	}
	b.WriteString(" €")
	return b.String()
}

// ErrFormat is returned for amounts that cannot be read without guessing.
var ErrFormat = errors.New("amount")

// Parse reads an amount written by a person: "125.000 €", "6.200,50 €",
// "125000", "125000,50", "€ 23.196". A '.' is always a thousands separator
// and ',' the decimal separator, as in Belgium; anything ambiguous such as
// "125.00" or "1,5,0" is refused rather than guessed.
func Parse(s string) (Cents, error) {
	t := strings.TrimSpace(s)
	t = strings.TrimSuffix(strings.TrimPrefix(t, "€"), "€")
	t = strings.TrimSuffix(strings.TrimSpace(t), "EUR")
	t = strings.ReplaceAll(strings.TrimSpace(t), "\u00a0", "")
	t = strings.ReplaceAll(t, " ", "")
	if t == "" {
		return 0, fmt.Errorf("%w: empty", ErrFormat)
	}
	neg := strings.HasPrefix(t, "-")
	t = strings.TrimPrefix(t, "-")
	intPart, frac, hasFrac := strings.Cut(t, ",")
	if hasFrac && (len(frac) == 0 || len(frac) > 2 || !allDigits(frac)) {
		return 0, fmt.Errorf("%w %q: want at most two decimals after ','", ErrFormat, s)
	}
	if strings.Contains(intPart, ".") {
		groups := strings.Split(intPart, ".")
		if len(groups[0]) == 0 || len(groups[0]) > 3 {
			return 0, fmt.Errorf("%w %q: '.' separates thousands, as in 125.000", ErrFormat, s)
		}
		for _, g := range groups[1:] {
			if len(g) != 3 {
				return 0, fmt.Errorf("%w %q: '.' separates thousands, as in 125.000; write cents after ','", ErrFormat, s)
			}
		}
		intPart = strings.Join(groups, "")
	}
	if !allDigits(intPart) || len(intPart) > 13 {
		return 0, fmt.Errorf("%w %q: not a euro amount", ErrFormat, s)
	}
	euros, _ := strconv.ParseInt(intPart, 10, 64)
	var cents int64
	if hasFrac {
		if len(frac) == 1 {
			frac += "0"
		}
		cents, _ = strconv.ParseInt(frac, 10, 64)
	}
	v := Cents(euros*100 + cents)
	if neg {
		v = -v
	}
	return v, nil
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
