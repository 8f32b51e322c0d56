package money

import (
	"math/bits"
	"slices"
	"strconv"
)

// Split divides total into parts proportional to weights (e.g. tranche
// percentages 80, 20) by the largest-remainder method: each part gets
// floor(total*w/sum), then the leftover cents go one by one to the largest
// remainders (ties: earlier part first). The parts always add up to total
// exactly; a zero weight gets 0. A negative total is split like its
// absolute value, every part negated.
//
// Weights must not be negative and must not all be zero: that is a caller's
// bug (callspec refuses such tranches), and Split panics rather than
// return parts that do not add up.
func Split(total Cents, weights []int) []Cents {
	w := make([]uint64, len(weights))
	for i, x := range weights {
		if x < 0 {
			panic("money.Split: negative weight " + strconv.Itoa(x))
		}
		w[i] = uint64(x)
	}
	neg := total < 0
	abs := uint64(total)
	if neg {
		abs = uint64(-total) // two's complement: also right for the minimum int64
	}
	parts, ok := largestRemainder(abs, w)
	if !ok {
		panic("money.Split: weights add up to 0 (or overflow)")
	}
	out := make([]Cents, len(parts))
	for i, p := range parts {
		if neg {
			out[i] = -Cents(p)
		} else {
			out[i] = Cents(p)
		}
	}
	return out
}

// Percentages returns the whole percentages of parts that add up to exactly
// 100 (largest remainder, ties: earlier first); all-zero parts give all
// zeros. This is how the 2024 report's 71/23/4/2/0 and 48/14/9/28/1 come
// out. Parts must not be negative (Percentages panics): a share of a
// breakdown cannot be.
func Percentages(parts []Cents) []int {
	w := make([]uint64, len(parts))
	for i, p := range parts {
		if p < 0 {
			panic("money.Percentages: negative part " + p.String())
		}
		w[i] = uint64(p)
	}
	out := make([]int, len(parts))
	if !slices.ContainsFunc(parts, func(p Cents) bool { return p != 0 }) {
		return out // nothing to share: all zeros
	}
	pct, ok := largestRemainder(100, w)
	if !ok {
		panic("money.Percentages: parts overflow")
	}
	for i, p := range pct {
		out[i] = int(p)
	}
	return out
}

// largestRemainder shares total among weights. Products and sums are
// computed in 128 bits, so no total or weight overflows. ok is false when
// the weights add up to 0 (or overflow 64 bits, which no amount of money
// does).
func largestRemainder(total uint64, weights []uint64) (parts []uint64, ok bool) {
	var sum uint64
	for _, w := range weights {
		var carry uint64
		sum, carry = bits.Add64(sum, w, 0)
		if carry != 0 {
			return nil, false
		}
	}
	if sum == 0 {
		return nil, false
	}
	parts = make([]uint64, len(weights))
	rems := make([]uint64, len(weights))
	var given uint64
	for i, w := range weights {
		hi, lo := bits.Mul64(total, w)
		// hi < sum because w <= sum, so total*w/sum <= total fits 64 bits.
		parts[i], rems[i] = bits.Div64(hi, lo, sum)
		given += parts[i]
	}
	// The leftover is sum(rems)/sum, fewer than the parts with a nonzero
	// remainder, so each gets at most one cent and zero weights none.
	for left := total - given; left > 0; left-- {
		best := -1
		for i, r := range rems {
			if r > 0 && (best < 0 || r > rems[best]) {
				best = i
			}
		}
		parts[best]++
		rems[best] = 0
	}
	return parts, true
}
