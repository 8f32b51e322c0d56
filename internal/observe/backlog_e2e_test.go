package observe_test

import (
	"context"
	"strings"
	"testing"

	"github.com/callcycle/callcycle/internal/observe"
	"github.com/callcycle/callcycle/internal/testenv"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// The backlog gauges count what waits in the real schema: mails by
// status (sent ones not at all), payment orders not confirmed paid, and
// the age of the oldest of each.
func TestBacklogGauges(t *testing.T) {
	t.Parallel()
	db, _ := testenv.Postgres(t)
	ctx := context.Background()
	for _, q := range []string{
		`INSERT INTO calls (call_id, kind, year, title, config, launched_at) VALUES ('AP-SUD-2030', 'sud', 2030, 't', '{}', now())`,
		`INSERT INTO applicants (name, name_key) VALUES ('Asbl', 'asbl')`,
		`INSERT INTO applications (reference, call_id, seq, applicant_id, title, dup_key, region, amount_cents, summary, duration_months, contact_name, email, language, submitted_at)
		 SELECT 'AP-SUD-2030-0001', 'AP-SUD-2030', 1, applicant_id, 'p', 'k', 'r', 100, 's', 12, 'c', 'a@example.org', 'fr', now() FROM applicants`,
		`INSERT INTO grants (grant_id, call_id, reference, granted_cents) VALUES ('GRANT-AP-SUD-2030-0001', 'AP-SUD-2030', 'AP-SUD-2030-0001', 100)`,
		`INSERT INTO ledger (grant_id, tranche, kind, amount_cents, ordered_at, paid_on, confirmed_by) VALUES
		 ('GRANT-AP-SUD-2030-0001', 1, 'payment', 60, now() - interval '30 days', current_date, 'finance'),
		 ('GRANT-AP-SUD-2030-0001', 2, 'payment', 40, now() - interval '2 hours', NULL, NULL)`,
	} {
		if _, err := db.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	mail := func(key, status, age string) {
		t.Helper()
		if _, err := db.Exec(ctx, `INSERT INTO mail_log (business_key, kind, recipient, language, subject, body_text, body_html, message_id, status, created_at)
			VALUES ($1, 'k', 'r@example.org', 'fr', 's', 'b', 'b', $1, $2, now() - $3::interval)`, key, status, age); err != nil {
			t.Fatal(err)
		}
	}
	mail("m1", "pending", "1 hour")
	mail("m2", "pending", "1 minute")
	mail("m3", "sending", "5 minutes")
	mail("m4", "failed", "3 days") // failed: counted, but not as waiting for the relay
	mail("m5", "sent", "10 days")

	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(observe.Backlog{DB: db}); err != nil {
		t.Fatal(err)
	}
	got := gather(t, reg)
	want := map[string]float64{
		`callcycle_mails_unsent{status="pending"}`: 2,
		`callcycle_mails_unsent{status="sending"}`: 1,
		`callcycle_mails_unsent{status="failed"}`:  1,
		`callcycle_payments_unconfirmed`:           1,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if a := got["callcycle_mail_oldest_unsent_age_seconds"]; a < 3590 || a > 3700 {
		t.Errorf("oldest unsent mail %v s old, want about 3600 (the pending one of an hour; not the failed one)", a)
	}
	if a := got["callcycle_payment_oldest_unconfirmed_age_seconds"]; a < 7190 || a > 7300 {
		t.Errorf("oldest unconfirmed payment %v s old, want about 7200 (tranche 2; tranche 1 is paid)", a)
	}
}

// gather is every sample of reg as name{labels} → value.
func gather(t *testing.T, reg prometheus.Gatherer) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+`="`+l.GetValue()+`"`)
			}
			key := mf.GetName()
			if len(labels) > 0 {
				key += "{" + strings.Join(labels, ",") + "}"
			}
			out[key] = value(m)
		}
	}
	return out
}

func value(m *dto.Metric) float64 {
	switch {
	case m.GetGauge() != nil:
		return m.GetGauge().GetValue()
	case m.GetCounter() != nil:
		return m.GetCounter().GetValue()
	}
	return 0
}
