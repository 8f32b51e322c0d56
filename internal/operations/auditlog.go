package operations

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/callcycle/callcycle/internal/audit"
)

// AuditVerifyInput asks for the audit chain to be checked.
type AuditVerifyInput struct{}

// AuditVerifyResult is an intact chain: how long it is and its last
// hash (note it somewhere else: a row removed from the end leaves an
// intact, shorter chain, found by comparing with the hash noted).
type AuditVerifyResult struct {
	Rows     int64  `json:"rows"`
	LastHash string `json:"last_hash"`
}

// AuditVerify checks every row of the audit log against its hash and the
// row before it; a broken chain is a Tampered error naming the first row
// that does not fit.
func (s *Service) AuditVerify(ctx context.Context, _ Actor, _ AuditVerifyInput) (AuditVerifyResult, error) {
	res, err := audit.Verify(ctx, s.DB)
	var b *audit.Broken
	if errors.As(err, &b) {
		return AuditVerifyResult{}, &Error{Kind: Tampered, Message: b.Error(), Err: err}
	}
	if err != nil {
		return AuditVerifyResult{}, classify("", err)
	}
	return AuditVerifyResult{Rows: res.Rows, LastHash: res.LastHash}, nil
}

// AuditExportInput is a period, From included and To excluded, written
// as CSV to Out.
type AuditExportInput struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	Out  io.Writer `json:"-"`
}

// AuditExportResult counts the rows written.
type AuditExportResult struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	Rows int       `json:"rows"`
}

// AuditExport writes the audit rows of a period as CSV (audit.Header's
// columns) for an auditor. The export is itself recorded.
func (s *Service) AuditExport(ctx context.Context, by Actor, in AuditExportInput) (res AuditExportResult, err error) {
	defer s.audited(ctx, by, "audit.export", in, &err, func() string { return "" })
	if in.From.IsZero() || in.To.IsZero() || !in.From.Before(in.To) {
		return res, refused("to", "the period must end after it starts (from %s, to %s)", day(in.From), day(in.To))
	}
	rows, err := audit.Between(ctx, s.DB, in.From, in.To)
	if err != nil {
		return res, classify("", err)
	}
	w := csv.NewWriter(in.Out)
	_ = w.Write(audit.Header)
	for _, r := range rows {
		_ = w.Write(r.Record())
	}
	if w.Flush(); w.Error() != nil {
		return res, fmt.Errorf("write the audit export: %w", w.Error())
	}
	return AuditExportResult{From: in.From, To: in.To, Rows: len(rows)}, nil
}

func day(t time.Time) string {
	if t.IsZero() {
		return "not given"
	}
	return t.Format("2006-01-02")
}
