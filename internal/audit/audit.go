// Package audit is callcycle's tamper-evident log of who did what
// (audit_log, migration 00012): Append adds a row chained to the one
// before it by SHA-256, Verify walks the chain and names the first row
// that was edited, removed or inserted out of order, Export writes a
// period as CSV for an auditor.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Entry is one action as the operations layer saw it.
type Entry struct {
	At          time.Time `json:"at"`
	Actor       string    `json:"actor"`
	Role        string    `json:"role"`
	Action      string    `json:"action"`
	Target      string    `json:"target"`
	InputDigest string    `json:"input_digest"`
	Result      string    `json:"result"`
	Detail      string    `json:"detail"`
}

// Row is an Entry as kept, with its place in the chain.
type Row struct {
	Seq int64 `json:"seq"`
	Entry
	PrevHash string `json:"prev_hash"`
	Hash     string `json:"hash"`
}

// Genesis is the prev_hash of the first row.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// chainLock serialises appends across processes (two portals, the CLI):
// each row needs the hash of the last one.
const chainLock = 7_150_2024

// Digest is the SHA-256 (hex) of v as JSON: what an input was, without
// keeping it (an input may name a person or a bank account).
func Digest(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(fmt.Sprintf("unencodable %T", v))
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// hashOf chains a row: every field, in a fixed order, each prefixed by
// its length so that no two different rows write the same bytes.
func hashOf(r Row) string {
	h := sha256.New()
	for _, f := range []string{r.PrevHash, strconv.FormatInt(r.Seq, 10), r.At.UTC().Format(time.RFC3339Nano), r.Actor, r.Role,
		r.Action, r.Target, r.InputDigest, r.Result, r.Detail} {
		fmt.Fprintf(h, "%d:%s;", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Append adds e at the end of the chain and returns once it is
// committed. Appends of one process that arrive together share one
// transaction (group commit): the chain lock serialises appends, so one
// commit each would cost a disk flush per action in a row.
func Append(ctx context.Context, db *pgxpool.Pool, e Entry) (Row, error) {
	if e.At.IsZero() {
		e.At = time.Now()
	}
	// PostgreSQL keeps microseconds: hash what will be read back.
	e.At = e.At.UTC().Truncate(time.Microsecond)
	g, _ := groups.LoadOrStore(db, &group{})
	return g.(*group).append(ctx, db, e)
}

// groups is one batcher per pool.
var groups sync.Map

type pending struct {
	e    Entry
	row  Row
	err  error
	done chan struct{}
}

// group batches the appends waiting while a transaction is under way;
// the caller that finds none under way writes them all (no goroutine of
// its own: the work is done by whoever waits for it).
type group struct {
	mu      sync.Mutex
	queue   []*pending
	writing bool
}

func (g *group) append(ctx context.Context, db *pgxpool.Pool, e Entry) (Row, error) {
	p := &pending{e: e, done: make(chan struct{})}
	g.mu.Lock()
	g.queue = append(g.queue, p)
	if g.writing {
		g.mu.Unlock()
		<-p.done // the writer commits it (the context is not given up halfway: the row is the action's record)
		return p.row, p.err
	}
	g.writing = true
	for len(g.queue) > 0 {
		batch := g.queue
		g.queue = nil
		g.mu.Unlock()
		err := write(context.WithoutCancel(ctx), db, batch)
		for _, b := range batch {
			if err != nil {
				b.err = fmt.Errorf("audit log: %w", err)
			}
			close(b.done)
		}
		g.mu.Lock()
	}
	g.writing = false
	g.mu.Unlock()
	return p.row, p.err
}

// write appends batch in one transaction under the chain lock.
func write(ctx context.Context, db *pgxpool.Pool, batch []*pending) error {
	return pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, chainLock); err != nil {
			return err
		}
		var seq int64
		prev := Genesis
		err := tx.QueryRow(ctx, `SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&seq, &prev)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		rows := make([][]any, len(batch))
		for i, p := range batch {
			seq++
			r := Row{Seq: seq, Entry: p.e, PrevHash: prev}
			r.Hash = hashOf(r)
			p.row, prev = r, r.Hash
			rows[i] = []any{r.Seq, r.At, r.Actor, r.Role, r.Action, r.Target, r.InputDigest, r.Result, r.Detail, r.PrevHash, r.Hash}
		}
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"audit_log"},
			[]string{"seq", "at", "actor", "role", "action", "target", "input_digest", "result", "detail", "prev_hash", "hash"}, pgx.CopyFromRows(rows))
		return err
	})
}

// Broken says where the chain no longer holds.
type Broken struct {
	Seq    int64  `json:"seq"`    // the first row that does not fit
	Reason string `json:"reason"` // edited, missing before it, out of order
}

func (b *Broken) Error() string {
	return fmt.Sprintf("audit log broken at row %d: %s", b.Seq, b.Reason)
}

// VerifyResult is what Verify found.
type VerifyResult struct {
	Rows     int64  `json:"rows"`
	LastHash string `json:"last_hash"`
}

// Verify recomputes the chain from the first row: every row's hash over
// its fields and the previous row's hash, and seq without gaps. It
// returns a *Broken for the first row that fails.
func Verify(ctx context.Context, db *pgxpool.Pool) (VerifyResult, error) {
	var res VerifyResult
	rows, err := db.Query(ctx, `SELECT seq, at, actor, role, action, target, input_digest, result, detail, prev_hash, hash FROM audit_log ORDER BY seq`)
	if err != nil {
		return res, err
	}
	defer rows.Close()
	prev, want := Genesis, int64(1)
	for rows.Next() {
		var r Row
		if err := rows.Scan(&r.Seq, &r.At, &r.Actor, &r.Role, &r.Action, &r.Target, &r.InputDigest, &r.Result, &r.Detail, &r.PrevHash, &r.Hash); err != nil {
			return res, err
		}
		switch {
		case r.Seq != want:
			return res, &Broken{Seq: r.Seq, Reason: fmt.Sprintf("rows %d to %d are missing", want, r.Seq-1)}
		case r.PrevHash != prev:
			return res, &Broken{Seq: r.Seq, Reason: "it does not follow the row before it (that row was edited or replaced)"}
		case hashOf(r) != r.Hash:
			return res, &Broken{Seq: r.Seq, Reason: "its content does not match its hash (edited)"}
		}
		prev, want = r.Hash, want+1
		res.Rows, res.LastHash = r.Seq, r.Hash
	}
	return res, rows.Err()
}

// Between is every row from from (included) to to (excluded), in order.
func Between(ctx context.Context, db *pgxpool.Pool, from, to time.Time) ([]Row, error) {
	rows, err := db.Query(ctx, `SELECT seq, at, actor, role, action, target, input_digest, result, detail, prev_hash, hash
		FROM audit_log WHERE at >= $1 AND at < $2 ORDER BY seq`, from, to)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Row, error) {
		var r Row
		err := row.Scan(&r.Seq, &r.At, &r.Actor, &r.Role, &r.Action, &r.Target, &r.InputDigest, &r.Result, &r.Detail, &r.PrevHash, &r.Hash)
		return r, err
	})
}

// Header is the CSV export's first line.
var Header = []string{"seq", "at", "actor", "role", "action", "target", "result", "detail", "input_digest", "prev_hash", "hash"}

// Record is r as a CSV record (Header's order). A field that a
// spreadsheet would read as a formula is prefixed with ' (the actor and
// target come from people).
func (r Row) Record() []string {
	rec := []string{strconv.FormatInt(r.Seq, 10), r.At.UTC().Format(time.RFC3339Nano), r.Actor, r.Role, r.Action, r.Target,
		r.Result, r.Detail, r.InputDigest, r.PrevHash, r.Hash}
	for i, f := range rec {
		if f != "" && strings.ContainsRune("=+-@\t\r", rune(f[0])) {
			rec[i] = "'" + f
		}
	}
	return rec
}
