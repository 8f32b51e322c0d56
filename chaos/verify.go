package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/workflows"
	"github.com/xuri/excelize/v2"
)

// snapshot is what a run left behind, read after its worker stopped.
type snapshot struct {
	t0     time.Time // the replay's end: every mail queued before it must be delivered
	report workflows.AnnualReportResult
	book   map[string][][]string // sheet → cell values
	sheets []string
	ledger map[string]string // "grant/tranche/kind" → "amount paid|unpaid"
	mails  []mailRow
	sink   []sinkMsg
}

type mailRow struct {
	key, kind, msgID, status, lastError string
	attempts, resends                   int
	created                             time.Time
	claimed                             *time.Time
}

type sinkMsg struct {
	MessageID string    `json:"MessageID"`
	Created   time.Time `json:"Created"`
	Subject   string    `json:"Subject"`
}

// read collects the snapshot from PostgreSQL, Mailpit and the workbook.
func (s *stack) read(ctx context.Context, snap *snapshot, workbook string) error {
	rows, err := s.db.Query(ctx, `SELECT grant_id, tranche, kind, amount_cents, paid_on IS NOT NULL FROM ledger`)
	if err != nil {
		return err
	}
	snap.ledger = map[string]string{}
	for rows.Next() {
		var g, k string
		var tr int
		var cents int64
		var paid bool
		if err := rows.Scan(&g, &tr, &k, &cents, &paid); err != nil {
			return err
		}
		snap.ledger[fmt.Sprintf("%s/%d/%s", g, tr, k)] = fmt.Sprintf("%s %s", money.Cents(cents), map[bool]string{true: "paid", false: "unpaid"}[paid])
	}
	if rows, err = s.db.Query(ctx, `SELECT business_key, kind, message_id, status, COALESCE(last_error, ''), attempts, resends, created_at, claimed_at FROM mail_log`); err != nil {
		return err
	}
	for rows.Next() {
		var m mailRow
		if err := rows.Scan(&m.key, &m.kind, &m.msgID, &m.status, &m.lastError, &m.attempts, &m.resends, &m.created, &m.claimed); err != nil {
			return err
		}
		snap.mails = append(snap.mails, m)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for start := 0; ; start += 1000 {
		var page struct {
			Total    int       `json:"total"`
			Messages []sinkMsg `json:"messages"`
		}
		resp, err := http.Get(s.api(fmt.Sprintf("/api/v1/messages?start=%d&limit=1000", start)))
		if err != nil {
			return err
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil {
			return err
		}
		snap.sink = append(snap.sink, page.Messages...)
		if len(page.Messages) < 1000 {
			if len(snap.sink) != page.Total {
				return fmt.Errorf("mailpit listed %d of %d messages", len(snap.sink), page.Total)
			}
			break
		}
	}
	f, err := excelize.OpenFile(workbook)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // the replay did not get to the report; the checks say so
	}
	if err != nil {
		return err
	}
	defer f.Close()
	snap.book, snap.sheets = map[string][][]string{}, f.GetSheetList()
	for _, sh := range snap.sheets {
		if snap.book[sh], err = f.GetRows(sh); err != nil {
			return err
		}
	}
	return nil
}

// sinkTotal is the number of messages Mailpit holds.
func (s *stack) sinkTotal() (int, error) {
	resp, err := http.Get(s.api("/api/v1/messages?limit=1"))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var page struct {
		Total int `json:"total"`
	}
	err = json.NewDecoder(resp.Body).Decode(&page)
	return page.Total, err
}

// check is one PASS/FAIL line with its details.
type check struct {
	name    string
	ok      bool
	details []string
}

// checkMail: no outbox mail is missing from the sink (every row queued
// before the replay ended, and every row marked sent whenever queued);
// nothing is in the sink that the outbox does not know; no row is marked
// failed. A crash at the wrong moment may cost a resend with the same
// Message-ID (see activities/mail.go): resends are reported, by
// Message-ID, with what the outbox counted, and do not fail the check;
// a copy the outbox did not count does. The one window where a copy goes
// uncounted is a crash of PostgreSQL itself losing its last marks, and
// the fault run only restarts it cleanly (a fast shutdown flushes them).
// Mails queued after the replay ended (the compressed grant clocks keep
// sending reminders) may still be unsent when the worker is stopped.
func checkMail(run string, snap *snapshot, faults []fault) check {
	c := check{name: run + ": no outbox mail lost, nothing unknown in the sink, resends counted (Mailpit, by Message-ID)", ok: true}
	copies := map[string][]time.Time{}
	for _, m := range snap.sink {
		copies[m.MessageID] = append(copies[m.MessageID], m.Created)
	}
	byID := map[string]mailRow{}
	status, kinds := map[string]int{}, map[string]int{}
	var late, lateInSink, lost, resent, extra, counted, uncounted int
	var resends []string
	for _, m := range snap.mails {
		byID[m.msgID] = m
		status[m.status]++
		kinds[m.kind]++
		counted += m.resends
		n := len(copies[m.msgID])
		if n > 1 {
			resent++
			extra += n - 1
			if n-1 > m.resends {
				uncounted += n - 1 - m.resends
				c.ok = false
				c.details = append(c.details, fmt.Sprintf("UNCOUNTED %s (%s, Message-ID %s): %d in the sink, the outbox counted %d resends", m.key, m.kind, m.msgID, n, m.resends))
			}
			resends = append(resends, resend(m, copies[m.msgID], faults))
		}
		switch {
		case m.status == "failed":
			c.ok = false
			c.details = append(c.details, fmt.Sprintf("FAILED %s (%s): marked failed, never resent; %d in the sink; %d attempts, last error %q", m.key, m.kind, n, m.attempts, m.lastError))
		case n == 0 && (m.status == "sent" || !m.created.After(snap.t0)):
			c.ok, lost = false, lost+1
			claimed := "never claimed"
			if m.claimed != nil {
				claimed = "last claimed " + m.claimed.Local().Format("15:04:05.000")
			}
			c.details = append(c.details, fmt.Sprintf("LOST %s (%s, Message-ID %s): status %s, %d attempts, %s, last error %q", m.key, m.kind, m.msgID, m.status, m.attempts, claimed, m.lastError))
		case m.created.After(snap.t0):
			late++
			lateInSink += min(n, 1)
		case m.status != "sent":
			c.details = append(c.details, fmt.Sprintf("delivered but still %q in the outbox (would be resent after the lease): %s", m.status, m.key))
		}
	}
	strays := 0
	for id := range copies {
		if _, ok := byID[id]; !ok {
			c.ok, strays = false, strays+1
			c.details = append(c.details, "STRAY message in the sink, not in the outbox: Message-ID "+id)
		}
	}
	sort.Strings(resends)
	head := []string{
		fmt.Sprintf("lost %d, strays %d; outbox %d rows (%s), sink %d messages, %d distinct Message-IDs; %d rows queued after the replay ended, %d of them delivered",
			lost, strays, len(snap.mails), fmtCounts(status), len(snap.sink), len(copies), late, lateInSink),
		fmt.Sprintf("resends: %d mails sent more than once, %d extra copies in the sink; the outbox counted %d resends (%d copies not counted)", resent, extra, counted, uncounted),
		"by kind: " + fmtCounts(kinds)}
	c.details = append(append(head, c.details...), resends...)
	return c
}

// resend describes a mail delivered more than once and the faults around
// its first copy.
func resend(m mailRow, at []time.Time, faults []fault) string {
	sort.Slice(at, func(i, j int) bool { return at[i].Before(at[j]) })
	var near []string
	for _, f := range faults {
		// Around: the first copy came up to 3 s before the fault began
		// and at most 1 s after the service was back.
		if !at[0].Before(f.begin.Add(-3*time.Second)) && !at[0].After(f.back.Add(time.Second)) {
			near = append(near, f.kind+" at "+f.begin.Format("15:04:05.000"))
		}
	}
	var times []string
	for _, t := range at {
		times = append(times, t.Format("15:04:05.000"))
	}
	return fmt.Sprintf("RESENT %s (%s, Message-ID %s) ×%d at %s; outbox counted %d resends, status %s, %d attempts; faults around the first copy: %s",
		m.key, m.kind, m.msgID, len(at), strings.Join(times, ", "), m.resends, m.status, m.attempts, orNone(near))
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

func fmtCounts(m map[string]int) string {
	var parts []string
	for k, v := range m {
		parts = append(parts, fmt.Sprintf("%s %d", k, v))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// checkLedger: the faulty run's ledger equals the fault-free run's, row
// by row ((grant, tranche, kind) is the primary key, so "once" is given;
// what can go wrong is a missing or extra row or a different amount).
func checkLedger(clean, faulty *snapshot) check {
	c := check{name: "ledger: every payment once, rows equal the fault-free run's (grant, tranche, kind, amount)", ok: true}
	var total [2]money.Cents
	for i, s := range []*snapshot{clean, faulty} {
		for _, v := range s.ledger {
			a, _ := money.Parse(strings.TrimSuffix(strings.TrimSuffix(v, " unpaid"), " paid"))
			total[i] += a
		}
	}
	for _, k := range keys(clean.ledger, faulty.ledger) {
		if clean.ledger[k] != faulty.ledger[k] {
			c.ok = false
			c.details = append(c.details, fmt.Sprintf("%s: fault-free %q, faulty %q", k, clean.ledger[k], faulty.ledger[k]))
		}
	}
	c.details = append([]string{fmt.Sprintf("fault-free %d rows %s, faulty %d rows %s", len(clean.ledger), total[0], len(faulty.ledger), total[1])}, c.details...)
	return c
}

func keys(ms ...map[string]string) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range ms {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}

// timestamp matches a date-time cell, which would be ignored (the report
// has none today).
var timestamp = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}`)

// checkReport: the figures of AnnualReportResult and every cell of every
// sheet equal the fault-free run's.
func checkReport(clean, faulty *snapshot) []check {
	fig := check{name: "annual report figures (AnnualReportResult) equal the fault-free run's", ok: true}
	a, b := clean.report, faulty.report
	a.Path, b.Path = "", ""
	if !reflect.DeepEqual(a, b) {
		fig.ok = false
		fig.details = append(fig.details, fmt.Sprintf("fault-free %+v", a), fmt.Sprintf("faulty     %+v", b))
	}
	book := check{name: "annual report workbook: every cell of every sheet equals the fault-free run's", ok: true}
	if !reflect.DeepEqual(clean.sheets, faulty.sheets) {
		book.ok = false
		book.details = append(book.details, fmt.Sprintf("sheets %q vs %q", clean.sheets, faulty.sheets))
	}
	cells, ignored := 0, 0
	for _, sh := range clean.sheets {
		x, y := clean.book[sh], faulty.book[sh]
		for r := 0; r < max(len(x), len(y)); r++ {
			for col := 0; col < max(rowLen(x, r), rowLen(y, r)); col++ {
				v, w := cell(x, r, col), cell(y, r, col)
				cells++
				if v == w {
					continue
				}
				if timestamp.MatchString(v) && timestamp.MatchString(w) {
					ignored++
					continue
				}
				book.ok = false
				name, _ := excelize.CoordinatesToCellName(col+1, r+1)
				book.details = append(book.details, fmt.Sprintf("%s!%s: fault-free %q, faulty %q", sh, name, v, w))
			}
		}
	}
	book.details = append([]string{fmt.Sprintf("%d sheets, %d cells compared, %d timestamps ignored", len(clean.sheets), cells, ignored)}, book.details...)
	return []check{fig, book}
}

func rowLen(rows [][]string, r int) int {
	if r < len(rows) {
		return len(rows[r])
	}
	return 0
}

func cell(rows [][]string, r, c int) string {
	if c < rowLen(rows, r) {
		return rows[r][c]
	}
	return ""
}

// figures prints the report's headline figures.
func figures(r workflows.AnnualReportResult) []string {
	out := []string{fmt.Sprintf("total committed %s", r.Total)}
	for i, l := range r.ByKind {
		out = append(out, fmt.Sprintf("  %-40s %14s %4d %%", l.Label, l.Amount, r.KindPercent[i]))
	}
	for i, l := range r.ByZone {
		out = append(out, fmt.Sprintf("  %-40s %14s %4d %%", l.Label, l.Amount, r.ZonePercent[i]))
	}
	return out
}
