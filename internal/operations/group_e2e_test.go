package operations_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/callcycle/callcycle/internal/intake"
	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/internal/operations"
	"github.com/callcycle/callcycle/workflows"
	"go.temporal.io/api/enums/v1"
)

// Applications sent one by one at the same moment go to the call in
// shared batches, and each still gets its own answer: a reference each,
// distinct; the same title twice refused once as a duplicate; a region
// the call does not fund refused with its reason; nothing else lost.
// The call's history names the portal, not the applicants.
func TestApplicationsSentTogetherEachGetTheirAnswer(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	ctx := context.Background()
	svc := s.env.svc
	call, err := os.ReadFile(filepath.Join("..", "..", "examples", "call-ap-sud-2030.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Launch(ctx, s.env.by, operations.LaunchInput{Call: call, Source: "call.yaml"}); err != nil {
		t.Fatal(err)
	}
	type sent struct {
		org, title, region string
		ref                string
		err                error
	}
	var apps []*sent
	for i := range 16 {
		apps = append(apps, &sent{org: fmt.Sprintf("Association %d", i), title: "Projet", region: "Territoire palestinien occupé"})
	}
	apps = append(apps, &sent{org: "Association 3", title: "Projet", region: "Territoire palestinien occupé"}, // a duplicate
		&sent{org: "Association 99", title: "Projet", region: "Groenland"})
	cents, _ := money.Parse("50.000 €")
	var wg sync.WaitGroup
	for i, a := range apps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := svc.Apply(ctx, operations.Actor{Name: fmt.Sprintf("Contact Personne %d", i), ID: "", Role: "applicant"}, operations.ApplyInput{
				CallID: "AP-SUD-2030", Source: "the form", Form: &intake.Application{Association: a.org, Title: a.title, Region: a.region,
					Amount: cents, Summary: "Deux ans.", DurationMonths: 24, ContactName: fmt.Sprintf("Contact Personne %d", i),
					Email: fmt.Sprintf("c%d@group.example", i), Language: "fr", IBAN: "BE68 5390 0754 7034"}})
			a.ref, a.err = res.Reference, err
		}()
	}
	wg.Wait()
	var refs []string
	refused := 0
	for _, a := range apps {
		switch {
		case a.err == nil && a.ref != "":
			refs = append(refs, a.ref)
		case operations.KindOf(a.err) == operations.Refused:
			refused++
			if a.org == "Association 99" && !strings.Contains(a.err.Error(), "Groenland") {
				t.Errorf("the foreign region's refusal: %v", a.err)
			}
		default:
			t.Errorf("%s %s: %q %v", a.org, a.title, a.ref, a.err)
		}
	}
	slices.Sort(refs)
	if len(refs) != 16 || len(slices.Compact(slices.Clone(refs))) != 16 || refused != 2 {
		t.Fatalf("%d references (%d distinct), %d refused: want 16 distinct and 2 refused\n%v", len(refs), len(slices.Compact(slices.Clone(refs))), refused, refs)
	}
	if n := s.count(t, `SELECT count(*) FROM applications WHERE call_id = 'AP-SUD-2030'`); n != 16 {
		t.Errorf("%d applications recorded, want 16", n)
	}
	if n := s.count(t, `SELECT count(*) FROM intake_inbox`); n != 0 {
		t.Errorf("%d rows left in the inbox", n)
	}
	// No applicant's name reached the call's history.
	it := s.tc.GetWorkflowHistory(ctx, workflows.CallWorkflowID("AP-SUD-2030"), "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(e.String(), "Contact Personne") {
			t.Fatalf("an applicant's name is in the call's history (event %d %s)", e.GetEventId(), e.GetEventType())
		}
	}
}
