package workflows_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/callcycle/callcycle/activities"
	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/workflows"
)

// Under VersionGrantLocal every write of a grant is a local activity and,
// while the relay takes its mails, so is every delivery: a grant's life
// schedules no activity on the server at all.
func TestGrantLogicWritesAndMailsAreLocal(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	in := fakeGrant()
	signed := fakeStart.Add(fday)
	sign := f.update(fday, workflows.UpdateSign, workflows.SignInput{On: signed, By: "officer"})
	paid1 := f.update(2*fday, workflows.UpdatePaid, workflows.PaidInput{Tranche: 1, On: fakeStart.Add(2 * fday), By: "finance"})
	report := f.update(3*fday, workflows.UpdateReport, workflows.ReportInput{Beneficiaries: 10, Spent: money.Euros(15000), Lessons: "ok", By: "officer"})
	approve := f.update(4*fday, workflows.UpdateReview, workflows.ReviewInput{Approve: true, By: "officer"})
	paid2 := f.update(5*fday, workflows.UpdatePaid, workflows.PaidInput{Tranche: 2, On: fakeStart.Add(5 * fday), By: "finance"})
	f.run(0, workflows.GrantWorkflowName, in)
	for i, u := range []*upd{sign, paid1, report, approve, paid2} {
		if !u.ok() {
			t.Fatalf("update %d: %s", i, u)
		}
	}
	deliveries := 0
	for _, a := range f.acts {
		if !a.Local {
			t.Errorf("%s at %s was scheduled on the server, want a local activity", a.Name, a.At)
		}
		if a.Name == "DeliverMail" {
			deliveries++
		}
	}
	// The agreement, the two payment notices (sign, approval), the closure.
	if deliveries != 4 {
		t.Errorf("%d deliveries, want 4 (activities %v)", deliveries, f.acts)
	}
	wantNames(t, f.names(), "OpenGrant", "RecordGrantDates", "OrderPayment", "ConfirmPayment", "RecordReport",
		"ReviewReport", "OrderPayment", "ConfirmPayment", "CloseGrant")
}

// A delivery the immediate attempt cannot finish (relay down, mails held
// by another attempt) goes to the durable DeliverMail activity, scheduled
// on the server and retried there, without holding the grant up.
func TestGrantLogicMailFallsBackToTheDurableDelivery(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on(mact.DeliverMail, activities.DeliverMailResult{}, errors.New("relay down")).Once()
	sign := f.update(fday, workflows.UpdateSign, workflows.SignInput{On: fakeStart.Add(fday), By: "officer"})
	f.run(2*fday, workflows.GrantWorkflowName, fakeGrant())
	if !sign.ok() {
		t.Fatalf("sign: %s", sign)
	}
	var got []string
	for _, a := range f.acts {
		if a.Name == "DeliverMail" {
			got = append(got, fmt.Sprintf("local=%v@%s", a.Local, a.At.Sub(fakeStart)))
		}
	}
	// Open: the local attempt fails, the activity takes over at once;
	// the signature's payment notice goes out locally again.
	want := []string{"local=true@0s", "local=false@0s", "local=true@24h0m0s"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("deliveries %v, want %v", got, want)
	}
}
