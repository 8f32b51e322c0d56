package observe

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// Backlog is what waits on a person or a relay, read from PostgreSQL at
// each scrape (the system of record, so every worker reports the same
// figures and a restarted one at once): mails not yet sent by status,
// tranches ordered but not confirmed paid, and the age of the oldest of
// each. An operator alerts on the ages, not the counts: 10,000 decision
// mails queue for minutes on any healthy day.
type Backlog struct {
	DB *pgxpool.Pool
}

var (
	mailsUnsent = prometheus.NewDesc("callcycle_mails_unsent",
		"Mails in the outbox not yet sent, by status (pending: queued; sending: claimed by a delivery; failed: refused by the relay for good, an operator's task).",
		[]string{"status"}, nil)
	mailOldest = prometheus.NewDesc("callcycle_mail_oldest_unsent_age_seconds",
		"Age of the oldest pending or sending mail, 0 when none waits.", nil, nil)
	paymentsUnconfirmed = prometheus.NewDesc("callcycle_payments_unconfirmed",
		"Tranches and recoveries ordered from finance and not yet confirmed paid.", nil, nil)
	paymentOldest = prometheus.NewDesc("callcycle_payment_oldest_unconfirmed_age_seconds",
		"Age of the oldest payment order not confirmed paid, 0 when none waits.", nil, nil)
)

// Describe sends the four descriptions.
func (b Backlog) Describe(ch chan<- *prometheus.Desc) {
	ch <- mailsUnsent
	ch <- mailOldest
	ch <- paymentsUnconfirmed
	ch <- paymentOldest
}

// Collect queries the database, bounded so that a slow database makes a
// scrape fail (an invalid metric: the scrape says why) rather than hang.
func (b Backlog) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var pending, sending, failed int64
	var mailAge, payAge float64
	var unpaid int64
	err := b.DB.QueryRow(ctx, `
		SELECT count(*) FILTER (WHERE status = 'pending'),
		       count(*) FILTER (WHERE status = 'sending'),
		       count(*) FILTER (WHERE status = 'failed'),
		       coalesce(extract(epoch FROM now() - min(created_at) FILTER (WHERE status IN ('pending', 'sending'))), 0)::float8
		FROM mail_log WHERE status <> 'sent'`).Scan(&pending, &sending, &failed, &mailAge)
	if err == nil {
		err = b.DB.QueryRow(ctx, `
			SELECT count(*), coalesce(extract(epoch FROM now() - min(ordered_at)), 0)::float8
			FROM ledger WHERE paid_on IS NULL`).Scan(&unpaid, &payAge)
	}
	if err != nil {
		for _, d := range []*prometheus.Desc{mailsUnsent, mailOldest, paymentsUnconfirmed, paymentOldest} {
			ch <- prometheus.NewInvalidMetric(d, err)
		}
		return
	}
	ch <- prometheus.MustNewConstMetric(mailsUnsent, prometheus.GaugeValue, float64(pending), "pending")
	ch <- prometheus.MustNewConstMetric(mailsUnsent, prometheus.GaugeValue, float64(sending), "sending")
	ch <- prometheus.MustNewConstMetric(mailsUnsent, prometheus.GaugeValue, float64(failed), "failed")
	ch <- prometheus.MustNewConstMetric(mailOldest, prometheus.GaugeValue, mailAge)
	ch <- prometheus.MustNewConstMetric(paymentsUnconfirmed, prometheus.GaugeValue, float64(unpaid))
	ch <- prometheus.MustNewConstMetric(paymentOldest, prometheus.GaugeValue, payAge)
}
