// Package words holds the small English helpers that messages to people
// share, so that no message says "1 problems".
package words

import "strconv"

// Count is "1 problem", "0 problems", "16 problems": n with the singular
// for exactly one and the plural otherwise (English uses the plural for
// zero).
func Count(n int, one, many string) string {
	if n == 1 || n == -1 {
		return strconv.Itoa(n) + " " + one
	}
	return strconv.Itoa(n) + " " + many
}
