// Package scoring is the committee's part of a call: the scoring workbook
// sent to the reviewers, the validation of the workbook they send back, and
// the ranking it produces.
//
// The workbook has one sheet per reviewer (SheetName) rather than one
// column block per reviewer on a shared sheet: each reviewer fills and
// returns only their own sheet, nobody can overwrite a colleague's scores,
// and a conflict of interest is declared where it belongs, per reviewer and
// application. The first sheet, "Instructions", explains the criteria.
//
// Ranking rule (Rank). For each application, only the reviewers WITHOUT a
// conflict of interest count. Total is the sum over them of
// Σ_criteria weight × score, and Max the same sum with every score at the
// criterion's maximum, so Total/Max is the share of the best possible
// score. Applications are compared by Total/Max exactly, by int64
// cross-multiplication (a.Total×b.Max against b.Total×a.Max), never with
// floats: an application one reviewer could not score for a conflict is
// neither favoured nor penalised, and two equal ratios are really equal.
// Ties are broken, in this order, by:
//
//  1. the higher score (Total/Max);
//  2. the smaller requested amount, because with a fixed envelope it leaves
//     room to fund more projects;
//  3. the earlier submission (lower Seq);
//  4. the reference, so that the order never depends on the input order.
//
// Every application gets a distinct 1-based rank, even when its score
// equals another's: the tie rule, not chance, decides who comes first.
// Applications that no reviewer without a conflict scored are ranked last
// and reported as a Problem, since they cannot be compared.
package scoring

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/money"
)

// Application is one eligible application as the committee sees it.
type Application struct {
	Reference, Association, Title, Region string
	Amount                                money.Cents
	Seq                                   int // submission order, the last tie-breaker before the reference
}

// Problem is one thing wrong in a returned workbook or a ranking, located
// as precisely as possible so the officer can point the reviewer to it.
type Problem struct {
	Cell    string // "Scores-AB!F7"; "Scores-AB" for the whole sheet; "" for the whole file
	Message string
}

func (p Problem) String() string {
	if p.Cell == "" {
		return p.Message
	}
	return p.Cell + ": " + p.Message
}

// SheetName is the sheet a reviewer fills.
func SheetName(reviewer string) string { return "Scores-" + reviewer }

const instructionsSheet = "Instructions"

// Fixed columns of a reviewer sheet, 0-based; the criteria follow them,
// then the conflict and comment columns.
const (
	colReference = iota
	colAssociation
	colProject
	colRegion
	colAmount
	colFirstCriterion
)

// Answers accepted in the conflict-of-interest column (any case).
const (
	conflictYes = "yes"
	conflictNo  = "no"
)

// headers are the header cells of a reviewer sheet, in order.
func headers(criteria []callspec.Criterion) []string {
	h := []string{"Reference", "Association", "Project", "Region", "Amount requested"}
	for _, c := range criteria {
		h = append(h, criterionHeader(c))
	}
	return append(h, "Conflict of interest", "Comment")
}

// criterionHeader puts the weight and range in the header so a reviewer
// needs no other sheet to score.
func criterionHeader(c callspec.Criterion) string {
	return fmt.Sprintf("%s (×%d, %d–%d)", c.Name, c.Weight, c.Min, c.Max)
}

func conflictCol(criteria []callspec.Criterion) int { return colFirstCriterion + len(criteria) }
func commentCol(criteria []callspec.Criterion) int  { return colFirstCriterion + len(criteria) + 1 }

// reviewerCode keeps sheet names valid (Excel: at most 31 characters, no
// []:*?/\) and unambiguous; callspec asks for codes such as "AB".
var reviewerCode = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_]{0,23}$`)

// checkSetup refuses arguments that cannot make a sound workbook. These are
// the caller's mistakes, not the reviewers', so they are errors.
func checkSetup(criteria []callspec.Criterion, reviewers []string, apps []Application) error {
	var errs []error
	if len(criteria) == 0 {
		errs = append(errs, errors.New("no scoring criterion"))
	}
	keys := map[string]bool{}
	for i, c := range criteria {
		switch {
		case c.Key == "" || strings.TrimSpace(c.Name) == "":
			errs = append(errs, fmt.Errorf("criterion %d: key and name are required", i+1))
		case keys[c.Key]:
			errs = append(errs, fmt.Errorf("criterion %q is listed twice", c.Key))
		case c.Weight <= 0 || c.Min < 0 || c.Max <= c.Min:
			errs = append(errs, fmt.Errorf("criterion %q: want weight > 0 and 0 <= min < max, got weight %d, %d..%d", c.Key, c.Weight, c.Min, c.Max))
		}
		keys[c.Key] = true
	}
	if len(reviewers) == 0 {
		errs = append(errs, errors.New("no reviewer"))
	}
	seen := map[string]bool{}
	for _, r := range reviewers {
		// Excel sheet names are case-insensitive: AB and ab would clash.
		if !reviewerCode.MatchString(r) {
			errs = append(errs, fmt.Errorf("reviewer code %q: want letters and digits, such as AB", r))
		} else if seen[strings.ToUpper(r)] {
			errs = append(errs, fmt.Errorf("reviewer %q is listed twice", r))
		}
		seen[strings.ToUpper(r)] = true
	}
	refs := map[string]bool{}
	for i, a := range apps {
		switch {
		case strings.TrimSpace(a.Reference) == "" || a.Reference != strings.TrimSpace(a.Reference):
			errs = append(errs, fmt.Errorf("application %d: reference %q is empty or padded", i+1, a.Reference))
		case refs[a.Reference]:
			errs = append(errs, fmt.Errorf("application %s is listed twice", a.Reference))
		}
		refs[a.Reference] = true
	}
	return errors.Join(errs...)
}
