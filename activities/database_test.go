package activities_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/callcycle/callcycle/activities"
	"github.com/callcycle/callcycle/internal/intake"
	"github.com/callcycle/callcycle/internal/money"
	"go.temporal.io/sdk/temporal"
)

func batch(tokens ...string) activities.RecordApplicationsInput {
	in := activities.RecordApplicationsInput{CallID: "AP-TEST-2024", SubmittedAt: time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)}
	for i, tok := range tokens {
		title := "Projet " + string(rune('A'+i))
		in.Applications = append(in.Applications, activities.AcceptedApplication{
			Reference: "AP-TEST-2024-000" + string(rune('1'+i)), Seq: i + 1, Token: tok, Association: "Twende",
			Title: title, Region: "Ville-Province de Kinshasa", Amount: money.Euros(15000), DupKey: intake.DuplicateKey("Twende", title)})
	}
	return in
}

const (
	tok1 = "11111111-1111-4111-8111-111111111111"
	tok2 = "22222222-2222-4222-8222-222222222222"
)

func TestRecordApplicationsIsIdempotent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.stage(t, tok1, "awa@twende.example", "fr")
	f.stage(t, tok2, "jan@twende.example", "nl")
	var res activities.RecordApplicationsResult
	f.run(t, f.acts.RecordApplications, batch(tok1, tok2), &res)
	if res.Recorded != 2 || res.MailsQueued != 2 {
		t.Fatalf("first attempt: %+v", res)
	}
	// A retry after the commit (worker died before reporting) writes nothing.
	f.run(t, f.acts.RecordApplications, batch(tok1, tok2), &res)
	if res.Recorded != 0 || res.MailsQueued != 0 {
		t.Fatalf("retry wrote again: %+v", res)
	}
	if n := f.count(t, `SELECT count(*) FROM applications`); n != 2 {
		t.Fatalf("applications = %d", n)
	}
	if n := f.count(t, `SELECT count(*) FROM applicants`); n != 1 {
		t.Fatalf("one organisation, got %d applicants", n)
	}
	if n := f.count(t, `SELECT count(*) FROM intake_inbox`); n != 0 {
		t.Fatalf("inbox not emptied: %d", n)
	}
	if n := f.count(t, `SELECT count(*) FROM mail_log WHERE kind = 'receipt' AND language = 'nl' AND recipient = 'jan@twende.example'`); n != 1 {
		t.Fatalf("nl receipt rows = %d", n)
	}
	if n := f.count(t, `SELECT count(*) FROM applications WHERE email = 'awa@twende.example' AND amount_cents = 1500000 AND reference = 'AP-TEST-2024-0001'`); n != 1 {
		t.Fatal("personal data not moved from the inbox")
	}
}

func TestRecordApplicationsWithoutInboxRowFailsForGood(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, err := f.env.ExecuteActivity(f.acts.RecordApplications, batch(tok1))
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != activities.ErrTypeInboxMissing || !appErr.NonRetryable() {
		t.Fatalf("want non-retryable %s, got %v", activities.ErrTypeInboxMissing, err)
	}
	if n := f.count(t, `SELECT count(*) FROM applications`) + f.count(t, `SELECT count(*) FROM mail_log`) + f.count(t, `SELECT count(*) FROM applicants`); n != 0 {
		t.Fatalf("a failed batch left %d rows", n)
	}
}

func TestRecordApplicationsUnknownCall(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	in := batch(tok1)
	in.CallID = "AP-NOPE-2024"
	_, err := f.env.ExecuteActivity(f.acts.RecordApplications, in)
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != activities.ErrTypeNotFound {
		t.Fatalf("want %s, got %v", activities.ErrTypeNotFound, err)
	}
}

// An OrderPayment retried (worker died after the commit, activity timed
// out...) records one payment and queues one mail.
func TestOrderPaymentTwiceRecordsOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.openGrant(t)
	in := activities.OrderPaymentInput{GrantID: "GRANT-AP-TEST-2024-0001", Tranche: 1, TrancheCount: 2, Percent: 80,
		Kind: activities.KindPayment, Amount: money.Euros(12000), OrderedTotal: money.Euros(12000), Granted: money.Euros(15000), At: time.Now()}
	var first, second activities.OrderPaymentResult
	f.run(t, f.acts.OrderPayment, in, &first)
	f.run(t, f.acts.OrderPayment, in, &second)
	if !first.Created || second.Created {
		t.Fatalf("created: first %v, second %v", first.Created, second.Created)
	}
	if n := f.count(t, `SELECT count(*) FROM ledger`); n != 1 {
		t.Fatalf("ledger rows: %d", n)
	}
	if n := f.count(t, `SELECT count(*) FROM mail_log WHERE kind = 'payment'`); n != 1 {
		t.Fatalf("payment mails: %d", n)
	}
	var res activities.DeliverMailResult
	f.run(t, f.acts.DeliverMail, activities.DeliverMailInput{CallID: f.call.ID}, &res)
	f.run(t, f.acts.DeliverMail, activities.DeliverMailInput{CallID: f.call.ID}, &res)
	var payments int
	for _, m := range f.sink.WaitFor(t, 3, 5*time.Second) {
		if m.Recipient() == "awa@twende.example" && strings.Contains(m.Subject, "12.000") {
			payments++
		}
	}
	if payments != 1 {
		t.Fatalf("payment mails delivered: %d", payments)
	}
	// Finance's export lists the order once, with the bank account.
	orders, err := activities.PaymentOrders(t.Context(), f.db, f.call.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(orders) != 1 || orders[0].Amount != money.Euros(12000) || orders[0].IBAN != "BE68539007547034" || orders[0].Tranche != 1 {
		t.Fatalf("payment orders: %+v", orders)
	}
}

// openGrant: one application granted 15.000 € (with a bank account) and its
// grant opened, GRANT-AP-TEST-2024-0001.
func (f *fixture) openGrant(t *testing.T) {
	t.Helper()
	f.stage(t, tok1, "awa@twende.example", "fr")
	f.run(t, f.acts.RecordApplications, batch(tok1), nil)
	if _, err := f.db.Exec(t.Context(), `UPDATE applications SET iban = 'BE68539007547034', eligible = true, decision = 'granted', granted_cents = 1500000`); err != nil {
		t.Fatal(err)
	}
	f.run(t, f.acts.OpenGrant, activities.OpenGrantInput{GrantID: "GRANT-AP-TEST-2024-0001", CallID: f.call.ID,
		Reference: "AP-TEST-2024-0001", Amount: money.Euros(15000), SignBy: time.Now(), At: time.Now()}, nil)
}
