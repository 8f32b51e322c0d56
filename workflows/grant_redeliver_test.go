package workflows_test

import (
	"context"
	"testing"
	"time"

	"github.com/callcycle/callcycle/activities"
	"github.com/callcycle/callcycle/workflows"
)

// A grant's delivery is fire and forget: when its run continues as new
// the delivery ends with it, perhaps while it was waiting out mails held
// by a worker that died. The continued run delivers again, so such a mail
// goes out without waiting for the grant's next notice.
func TestGrantContinuedRunDeliversLeftMail(t *testing.T) {
	t.Parallel()
	h, in, _ := grantHarness(t)
	key := "GRANT-" + grantRef + "/agreement-reminder/1"
	if _, err := h.db.Exec(context.Background(), `INSERT INTO mail_log (business_key, call_id, reference, kind, recipient, language, subject, body_text, body_html, message_id)
		VALUES ($1, 'AP-SUD-2024', $2, 'agreement-reminder', 'jean@twende.example', 'nl', 'Herinnering', 't', '<p>t</p>', $3)`,
		key, grantRef, activities.MessageID(key)); err != nil {
		t.Fatal(err)
	}
	in.State = &workflows.GrantState{Stage: workflows.GrantAgreement, AgreementSent: start, Reminders: 1,
		Tranches: []workflows.TrancheState{{Percent: 80, On: "signature"}, {Percent: 20, On: "final-report"}}}
	// Long before the next reminder (14 days): only a redelivery sends it.
	h.env.RegisterDelayedCallback(h.env.CancelWorkflow, time.Hour)
	h.env.ExecuteWorkflow(workflows.GrantWorkflowName, in)
	var status string
	if err := h.db.QueryRow(context.Background(), `SELECT status FROM mail_log WHERE business_key = $1`, key).Scan(&status); err != nil {
		t.Fatal(err)
	}
	if status != "sent" {
		t.Fatalf("mail left by the last run is %s after the continued run's first hour, want sent", status)
	}
	if msgs := h.sink.Messages(t); len(msgs) != 1 || msgs[0].MessageID != activities.MessageID(key) {
		t.Fatalf("sink %+v, want the left mail", msgs)
	}
}
