package activities

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/mailer"
	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/mailtemplates"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
)

// How mail is sent: never lost, at worst sent twice with one Message-ID
//
// A mail is first *enqueued*: a mail_log row whose business_key (call,
// application, event) is UNIQUE, written in the same transaction as the
// fact it announces (an application, a decision...). Enqueueing twice is a
// no-op, so a retried activity cannot create a second mail.
//
// DeliverMail then claims unsent rows (status 'sending' with a claim token
// and time), and for each sends it and waits for the relay's 250 to SMTP's
// final "." (the point at which the relay takes the message), and only
// then commits the row as 'sent'. A row is never recorded as sent before
// the relay has it, so no crash can lose a mail. What a crash can cost is
// a resend: a worker killed between the 250 and the mark's commit, a mark
// that fails (PostgreSQL down), or a connection lost while waiting for the
// 250 leave a row that is still unsent and is sent again, with the same
// Message-ID (derived from the business key), so mail clients and our
// tests recognise the copy. Such rows are flagged in_doubt (the mail in
// flight when an attempt ended: named by the attempt when it can still
// write, else inferred at takeover; an attempt sends in mail_id order, one
// mail at a time, so it is the attempt's first unmarked row), and every
// send after that is counted in mail_log.resends for operators. resends
// may count a copy the relay never took, and misses none it took, but in
// one window below.
//
// A row held by an attempt that died is taken over once its claim lease
// expires; a live attempt renews its claim as it goes (see renew). Every
// DeliverMail that finds unsent rows of its scope held by another attempt
// fails with MailHeld, so Temporal retries it until they are sent: no held
// mail waits for the workflow's next delivery.
//
// The window where a resend is not counted: marks are committed without
// waiting for the WAL flush (synchronous_commit off), so a crash of
// PostgreSQL itself (kill -9, immediate shutdown, power loss) forgets the
// marks of the last few hundred ms (up to 3 × wal_writer_delay). Those
// rows are 'sending' again under the attempt's claim, and its mark of the
// mail in flight failed with the server. The takeover flags the first of
// them only. All are resent, so after such a crash up to (lost marks)
// copies go uncounted: still resends, never losses. A clean restart
// (pg_ctlcluster restart, a fast shutdown, as the fault run does) flushes
// the WAL and loses no mark, so it leaves no uncounted copy.

// DefaultClaimLease is how long a claimed row is left alone before another
// attempt may send it. It exceeds the activity's heartbeat timeout so an
// attempt Temporal still considers alive is not overtaken.
const DefaultClaimLease = 2 * time.Minute

func (a *Activities) claimLease() time.Duration {
	if a.ClaimLease > 0 {
		return a.ClaimLease
	}
	return DefaultClaimLease
}

type outgoing struct {
	key, callID, ref, kind, to, lang string
	attach                           string // file path, or ""
	r                                mailtemplates.Rendered
}

func render(key, lang, to, callID, ref string, data mailtemplates.Data) (outgoing, error) {
	r, err := mailtemplates.Render(lang, data)
	if err != nil {
		return outgoing{}, err
	}
	return outgoing{key: key, callID: callID, ref: ref, kind: data.Kind(), to: to, lang: lang, r: r}, nil
}

// MessageID is derived from the business key so a resend is recognisable.
func MessageID(businessKey string) string {
	h := sha256.Sum256([]byte(businessKey))
	return hex.EncodeToString(h[:16]) + "@callcycle"
}

// enqueue writes mails to the outbox; existing business keys are skipped.
func enqueue(ctx context.Context, tx pgx.Tx, mails []outgoing) (int, error) {
	if len(mails) == 0 {
		return 0, nil
	}
	cols := make([][]string, 11)
	for _, m := range mails {
		vals := []string{m.key, m.callID, m.ref, m.kind, m.to, m.lang, m.r.Subject, m.r.Text, m.r.HTML, MessageID(m.key), m.attach}
		for i, v := range vals {
			cols[i] = append(cols[i], v)
		}
	}
	tag, err := tx.Exec(ctx, `
		INSERT INTO mail_log (business_key, call_id, reference, kind, recipient, language, subject, body_text, body_html, message_id, attachment_path)
		SELECT k, c, NULLIF(r, ''), kd, rc, l, s, bt, bh, mid, NULLIF(att, '')
		FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
			AS t(k, c, r, kd, rc, l, s, bt, bh, mid, att)
		ON CONFLICT (business_key) DO NOTHING`,
		cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], cols[6], cols[7], cols[8], cols[9], cols[10])
	if err != nil {
		return 0, fmt.Errorf("enqueue mail: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// AnnounceLaunchInput names the call.
type AnnounceLaunchInput struct {
	CallID string `json:"callId"`
}

// AnnounceLaunchResult counts queued mails.
type AnnounceLaunchResult struct {
	Queued int `json:"queued"`
}

// AnnounceLaunch queues the launch announcement to the call's list.
func (a *Activities) AnnounceLaunch(ctx context.Context, in AnnounceLaunchInput) (AnnounceLaunchResult, error) {
	var res AnnounceLaunchResult
	err := pgx.BeginFunc(ctx, a.DB, func(tx pgx.Tx) error {
		call, err := loadCall(ctx, tx, in.CallID)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT email, language FROM call_contacts WHERE call_id = $1 AND role = 'announce' ORDER BY email`, in.CallID)
		if err != nil {
			return err
		}
		contacts, err := pgx.CollectRows(rows, pgx.RowToStructByPos[callspec.Contact])
		if err != nil {
			return err
		}
		data := launchData(call)
		var mails []outgoing
		for _, c := range contacts {
			m, err := render(in.CallID+"/launch/"+strings.ToLower(c.Email), c.Language, c.Email, in.CallID, "", data)
			if err != nil {
				return err
			}
			mails = append(mails, m)
		}
		res.Queued, err = enqueue(ctx, tx, mails)
		return err
	})
	return res, err
}

func launchData(c callspec.Call) mailtemplates.Launch {
	return mailtemplates.Launch{
		CallID: c.ID, CallTitle: c.Title, Theme: c.Theme, Envelope: totalEnvelope(c).String(),
		MinGrant: c.MinGrant.String(), MaxGrant: c.MaxGrant.String(), Regions: strings.Join(c.Regions, ", "),
		Deadline: c.Deadline.In(callspec.Brussels).Format("02/01/2006 15:04"),
	}
}

func totalEnvelope(c callspec.Call) money.Cents {
	t := c.Envelope
	for _, r := range c.Reserved {
		t += r.Amount
	}
	return t
}

// DeliverMailInput names the call whose outbox to drain, or only the
// mails about one application (a grant delivers its own).
type DeliverMailInput struct {
	CallID    string `json:"callId"`
	Reference string `json:"reference"`
	// Final: the caller is about to end. Kept for the histories that set
	// it; every delivery now fails while mails of its scope are held by
	// another attempt (see heldElsewhere), final or not.
	Final bool `json:"final"`
}

// DeliverMailResult counts what this attempt did.
type DeliverMailResult struct {
	Sent     int `json:"sent"`
	Rejected int `json:"rejected"`
}

const deliverBatch = 200

// DeliverMail sends every unsent mail of its scope over one SMTP
// connection, marking each sent once the relay has accepted it (see the
// note at the top of this file). A relay that is down fails the attempt
// and Temporal retries; a recipient the relay refuses for good is marked
// failed; mails held by another attempt fail it with MailHeld.
func (a *Activities) DeliverMail(ctx context.Context, in DeliverMailInput) (res DeliverMailResult, err error) {
	var sess *mailer.Session
	token := uuid.NewString() // this attempt's claim on the rows it takes
	stopping := activity.GetWorkerStopChannel(ctx)
	var doubt int64 // a mail the relay may have taken that is not marked sent
	defer func() {
		if sess != nil {
			_ = sess.Close()
		}
		// Whatever ends this attempt early (relay down, the workflow run
		// that scheduled it continued as new and cancelled it, a mark that
		// failed) hands the unsent rows it claimed back at once instead of
		// after the lease.
		if err != nil {
			err = a.release(ctx, token, doubt, err)
		}
	}()
	for {
		held := time.Now() // no later than the claim's claimed_at
		batch, err := a.claim(ctx, in.CallID, in.Reference, token)
		if err != nil {
			return res, err
		}
		if len(batch) == 0 {
			return res, a.heldElsewhere(ctx, in)
		}
		if sess == nil {
			if sess, err = a.Mailer.Open(ctx); err != nil {
				return res, err
			}
		}
		for i, m := range batch {
			if err := ctx.Err(); err != nil {
				return res, err // cancelled: stop between mails
			}
			select {
			case <-stopping:
				return res, workerStopping(res)
			default:
			}
			if time.Since(held) > a.claimLease()/4 {
				now := time.Now()
				if err := a.renew(ctx, token, len(batch)-i); err != nil {
					return res, err
				}
				held = now
			}
			activity.RecordHeartbeat(ctx, res)
			err := sess.Send(m.msg)
			switch {
			case err == nil:
				if err := a.markSent(ctx, m.id, token); err != nil {
					doubt = m.id // the relay has it: sent again later, counted
					return res, err
				}
				res.Sent++
			case errors.Is(err, mailer.ErrRejected):
				res.Rejected++
				a.log().Warn("mail rejected", "mail_id", m.id, "error", err)
				if _, err := a.DB.Exec(ctx, `UPDATE mail_log SET status = 'failed', sent_at = NULL, last_error = $2 WHERE mail_id = $1 AND claim_token = $3`, m.id, err.Error(), token); err != nil {
					return res, err
				}
			default:
				if errors.Is(err, mailer.ErrUnconfirmed) {
					doubt = m.id
				}
				return res, err // the session is closed by the defer
			}
		}
	}
}

// ErrTypeWorkerStopping: the worker is draining (SIGTERM). The attempt
// sent and marked the mail in flight and handed the rest back; the retry
// goes to another worker, or to this one once restarted.
const ErrTypeWorkerStopping = "WorkerStopping"

// workerStopping ends an attempt between two mails when the worker
// stops, well within its WorkerStopTimeout (one mail and its mark), so
// that no mail is cut off mid-send and none is left claimed until its
// lease expires.
func workerStopping(res DeliverMailResult) error {
	return temporal.NewApplicationErrorWithOptions(fmt.Sprintf("the worker is stopping after %d mails; the rest are sent by the next attempt", res.Sent),
		ErrTypeWorkerStopping, temporal.ApplicationErrorOptions{NextRetryDelay: time.Second})
}

// markTimeout bounds a mark, which is not cancelled with the attempt: a
// mail the relay accepted must be recorded if at all possible.
const markTimeout = 15 * time.Second

// markSent commits one row as sent in one round trip (a pipelined
// BEGIN/SET LOCAL/UPDATE/COMMIT, no connection held between mails), with
// synchronous_commit off: not waiting for the WAL flush per mail is what
// keeps this path close to a bare send loop, and a mark lost with a
// crashed PostgreSQL only means a resend. A row flagged in_doubt counts
// this send as a resend. Zero rows means our claim was taken over (lease
// expired): the other attempt sends it again, and this one stops.
func (a *Activities) markSent(ctx context.Context, id int64, token string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), markTimeout)
	defer cancel()
	b := &pgx.Batch{}
	b.Queue(`BEGIN`)
	b.Queue(`SET LOCAL synchronous_commit = off`)
	b.Queue(`UPDATE mail_log SET status = 'sent', sent_at = now(), resends = resends + in_doubt::int, in_doubt = false
		WHERE mail_id = $1 AND claim_token = $2 AND status = 'sending'`, id, token)
	b.Queue(`COMMIT`)
	br := a.DB.SendBatch(ctx, b)
	_, _ = br.Exec()
	_, _ = br.Exec()
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err == nil && tag.RowsAffected() != 1 {
		err = fmt.Errorf("mail %d: claim no longer held by this attempt", id)
	}
	return err
}

// renew pushes back the expiry of this attempt's claim, so that a batch
// outlasting the lease (200 mails on a slow relay) is not taken over
// while it is being sent. Without it a takeover raced the holder: the
// holder sent its next mail too, and the takeover, whose snapshot still
// showed the previous row unmarked (its mark in progress, row locked and
// skipped), flagged that one instead: a copy nobody counted. Renewed a
// quarter lease at the latest before each send, a claim expires only if
// its attempt stalled for the rest of the lease, longer than a message
// (the mailer's 30 s per-message timeout) and its mark (markTimeout, 15 s)
// can take: 3/4 of a lease above a minute (the worker refuses shorter
// ones) exceeds those 45 s. Fewer rows than the attempt still holds means it stalled past
// the lease and was overtaken: it stops before sending another mail.
func (a *Activities) renew(ctx context.Context, token string, holds int) error {
	tag, err := a.DB.Exec(ctx, `UPDATE mail_log SET claimed_at = now() WHERE claim_token = $1 AND status = 'sending'`, token)
	if err == nil && tag.RowsAffected() != int64(holds) {
		err = fmt.Errorf("claim taken over by another attempt: %d of its %d unsent rows left", tag.RowsAffected(), holds)
	}
	return err
}

// ErrTypeMailHeld: unsent mails are claimed by another attempt (perhaps a
// worker that died); retried until they are sent or their lease expires.
const ErrTypeMailHeld = "MailHeld"

// heldElsewhere fails the attempt while other attempts hold unsent mails
// of its scope, so that Temporal retries it and no mail is left behind
// when the attempt that claimed it died, whatever the workflow does next.
// The retry comes at the latest when the first of those claims expires
// (sooner while it is young: the holder is probably alive and about to
// finish), instead of after the retry policy's growing backoff.
func (a *Activities) heldElsewhere(ctx context.Context, in DeliverMailInput) error {
	var n int
	var expiresIn float64 // seconds until the first of those claims expires
	err := a.DB.QueryRow(ctx, `SELECT count(*), COALESCE(extract(epoch FROM min(claimed_at) + $3::interval - now()), 0)::float8
		FROM mail_log WHERE call_id = $1 AND ($2 = '' OR reference = $2) AND status = 'sending'`,
		in.CallID, in.Reference, a.claimLease().String()).Scan(&n, &expiresIn)
	if err != nil || n == 0 {
		return err
	}
	delay := 2 * time.Second << min(activity.GetInfo(ctx).Attempt-1, 8)
	delay = max(min(delay, time.Duration((expiresIn+1)*float64(time.Second))), time.Second)
	return temporal.NewApplicationErrorWithOptions(fmt.Sprintf("%d mails are held by another delivery attempt; retrying", n),
		ErrTypeMailHeld, temporal.ApplicationErrorOptions{NextRetryDelay: delay})
}

// inFlight: row m, taken over from an expired claim, is the one that
// claim's attempt was sending (its first unsent row in mail_id order).
const inFlight = `CASE WHEN m.status = 'sending' THEN m.mail_id = (
	SELECT min(o.mail_id) FROM mail_log o
	WHERE o.call_id = m.call_id AND o.status = 'sending' AND o.claim_token = m.claim_token) ELSE false END`

type claimed struct {
	id  int64
	msg mailer.Message
}

// claim takes up to deliverBatch unsent rows: pending ones, and those
// whose claim expired, and returns them in mail_id order, the order the
// attempt sends them. Of an expired claim's rows the first one still
// unsent in that order is the one its attempt may have handed to the
// relay: flagged in_doubt, its send is counted as a resend; the others it
// never reached. That inference holds only because every attempt sends
// in mail_id order: UPDATE ... RETURNING gives its rows in the join's
// order (a HashAggregate over the IN list: 58, 8, 184, ...), so the order
// is imposed outside the UPDATE. Before it was, a takeover flagged a row
// the dead attempt had not reached and the mail it was sending went out
// twice uncounted (the crash test's and the fault run's 0 resends).
func (a *Activities) claim(ctx context.Context, callID, ref, token string) ([]claimed, error) {
	rows, err := a.DB.Query(ctx, `
		WITH c AS (
			UPDATE mail_log m SET status = 'sending', claim_token = $2, claimed_at = now(), attempts = attempts + 1,
				resends = m.resends + (m.in_doubt AND `+inFlight+`)::int,
				in_doubt = m.in_doubt OR `+inFlight+`
			WHERE mail_id IN (
				SELECT mail_id FROM mail_log
				WHERE call_id = $1 AND ($5 = '' OR reference = $5)
					AND (status = 'pending' OR (status = 'sending' AND claimed_at < now() - $3::interval))
				ORDER BY mail_id LIMIT $4 FOR UPDATE SKIP LOCKED)
			RETURNING mail_id, message_id, recipient, subject, body_text, body_html, language, COALESCE(attachment_path, '') AS attachment_path)
		SELECT * FROM c ORDER BY mail_id`,
		callID, token, a.claimLease().String(), deliverBatch, ref)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (claimed, error) {
		var c claimed
		err := r.Scan(&c.id, &c.msg.MessageID, &c.msg.To, &c.msg.Subject, &c.msg.Text, &c.msg.HTML, &c.msg.Language, &c.msg.Attachment)
		return c, err
	})
}

// release hands unsent claimed rows back so the retry need not wait for
// the lease, flagging doubt (0: none) as possibly delivered; cause is
// returned for Temporal to retry. If PostgreSQL is down the rows stay
// claimed and are taken over after the lease (flagged then).
//
// in_doubt says the row may already have reached the relay once; every
// later send that may have reached it is a resend. So a row flagged again
// while already in doubt (a second answer to the dot lost) counts the
// earlier doubtful copy now, as a 250 does in markSent: resends may count
// a copy the relay never took, never miss one it did.
func (a *Activities) release(ctx context.Context, token string, doubt int64, cause error) error {
	_, err := a.DB.Exec(context.WithoutCancel(ctx), `UPDATE mail_log SET status = 'pending', claim_token = NULL, last_error = $2,
			resends = resends + (in_doubt AND mail_id = $3)::int, in_doubt = in_doubt OR mail_id = $3
		WHERE claim_token = $1 AND status = 'sending'`, token, cause.Error(), doubt)
	if err != nil {
		return errors.Join(cause, err)
	}
	return cause // unwrapped, so Temporal sees its type (MailHeld...)
}
