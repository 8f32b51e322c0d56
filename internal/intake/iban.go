package intake

import (
	"errors"
	"strings"
)

// CheckIBAN verifies length and the ISO 13616 mod-97 check digits, so a
// typo is caught at submission and not when finance pays.
func CheckIBAN(s string) error {
	t := strings.ToUpper(strings.ReplaceAll(s, " ", ""))
	if len(t) < 15 || len(t) > 34 {
		return errors.New("an IBAN has 15 to 34 characters")
	}
	for i, r := range t {
		isLetter, isDigit := r >= 'A' && r <= 'Z', r >= '0' && r <= '9'
		if !isLetter && !isDigit || (i < 2 && !isLetter) || (i >= 2 && i < 4 && !isDigit) {
			return errors.New("not an IBAN (e.g. BE68 5390 0754 7034)")
		}
	}
	rem := 0
	for _, r := range t[4:] + t[:4] {
		if r >= 'A' {
			v := int(r-'A') + 10
			rem = (rem*100 + v) % 97
		} else {
			rem = (rem*10 + int(r-'0')) % 97
		}
	}
	if rem != 1 {
		return errors.New("check digits do not match; please verify the account number")
	}
	return nil
}

// NormalizeIBAN is the form stored: upper case, no spaces.
func NormalizeIBAN(s string) string { return strings.ToUpper(strings.ReplaceAll(s, " ", "")) }
