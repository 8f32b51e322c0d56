package workflows_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/callcycle/callcycle/internal/foureyes"
	"github.com/callcycle/callcycle/workflows"
)

// A payment confirmation proposed by one person waits in the grant's
// state; the proposer's own approval is refused, a refusal is kept, a
// second proposal approved by another person is applied as the paid
// update itself would.
func TestGrantPaymentFourEyes(t *testing.T) {
	t.Parallel()
	h, in, _ := grantHarness(t)
	args := func(by string) json.RawMessage {
		b, _ := json.Marshal(workflows.PaidInput{Tranche: 1, On: start.Add(day), By: by})
		return b
	}
	propose := func(by string) foureyes.Input {
		return foureyes.Input{Action: workflows.UpdatePaid, By: by, Args: args(by), Approver: "finance", Summary: "payment of tranche 1"}
	}
	var sign, signApproved, p1, own, refused, p2, twice, approved, again, badArgs outcome
	var waiting, afterRefusal, paid workflows.GrantStatus
	// An action the office added (FOUR_EYES=grant.sign) goes the same way.
	signArgs, _ := json.Marshal(workflows.SignInput{On: start, By: "officer"})
	h.grantUpdate(day, workflows.UpdatePropose, foureyes.Input{Action: workflows.UpdateSign, By: "officer", Args: signArgs, Approver: "officer", Summary: "agreement signed"}, &sign)
	h.grantUpdate(day+1, workflows.UpdateApprove, foureyes.Input{Action: workflows.UpdateSign, By: "officer2"}, &signApproved)
	h.grantUpdate(2*day, workflows.UpdatePropose, propose("finance"), &p1)
	h.grantStatus(2*day+1, &waiting)
	h.grantUpdate(2*day+2, workflows.UpdateApprove, foureyes.Input{Action: workflows.UpdatePaid, By: "finance"}, &own)
	h.grantUpdate(2*day+3, workflows.UpdateRefuse, foureyes.Input{Action: workflows.UpdatePaid, By: "finance2", Reason: "wrong date"}, &refused)
	h.grantStatus(2*day+4, &afterRefusal)
	h.grantUpdate(3*day, workflows.UpdatePropose, propose("finance"), &p2)
	h.grantUpdate(3*day+1, workflows.UpdatePropose, propose("finance2"), &twice)
	h.grantUpdate(3*day+2, workflows.UpdateApprove, foureyes.Input{Action: workflows.UpdatePaid, By: "finance2"}, &approved)
	h.grantUpdate(3*day+3, workflows.UpdateApprove, foureyes.Input{Action: workflows.UpdatePaid, By: "finance2"}, &again)
	h.grantUpdate(3*day+4, workflows.UpdatePropose, foureyes.Input{Action: workflows.UpdatePaid, By: "finance", Args: json.RawMessage(`{"tranche": 1, "extra": 1}`)}, &badArgs)
	h.grantStatus(5*day, &paid)
	h.env.RegisterDelayedCallback(h.env.CancelWorkflow, 10*day)
	h.env.ExecuteWorkflow(workflows.GrantWorkflowName, in)

	for name, o := range map[string]outcome{"sign": sign, "sign approved": signApproved, "propose": p1, "refuse": refused, "propose again": p2, "approve": approved} {
		if o.err != nil || o.rejected != nil || !o.done {
			t.Errorf("%s: %+v", name, o)
		}
	}
	for name, o := range map[string]outcome{"own approval": own, "second proposal while one waits": twice, "approve twice": again, "unknown field": badArgs} {
		if o.rejected == nil {
			t.Errorf("%s must be refused by the validator: %+v", name, o)
		}
	}
	if own.rejected != nil && !strings.Contains(own.rejected.Error(), "another person must approve") {
		t.Errorf("own approval: %v", own.rejected)
	}
	if len(waiting.Approvals.Pending) != 1 || waiting.Paid != 0 || !strings.HasPrefix(waiting.WaitingFor, "second approval by finance (payment of tranche 1, proposed by finance") {
		t.Errorf("while waiting: paid %s, waiting for %q, %+v", waiting.Paid, waiting.WaitingFor, waiting.Approvals)
	}
	if len(afterRefusal.Approvals.Pending) != 0 || len(afterRefusal.Approvals.Outcomes) != 2 ||
		afterRefusal.Approvals.Outcomes[1].Result != foureyes.Refused || afterRefusal.Approvals.Outcomes[1].Reason != "wrong date" || afterRefusal.Paid != 0 {
		t.Errorf("the refusal must be kept and change nothing else: %+v", afterRefusal.Approvals)
	}
	if paid.Paid != paid.Ordered || paid.Paid == 0 || len(paid.Approvals.Outcomes) != 3 || paid.Approvals.Outcomes[2].By != "finance2" || paid.Approvals.Outcomes[0].Action != workflows.UpdateSign {
		t.Errorf("after approval: paid %s of %s, %+v", paid.Paid, paid.Ordered, paid.Approvals)
	}
	if l := h.ledger(); len(l) != 1 || l["payment:1"] == 0 {
		t.Errorf("ledger %v: want the one payment, recorded once", l)
	}
}
