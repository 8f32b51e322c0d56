package operations

import (
	"context"
	"errors"
	"fmt"

	"github.com/callcycle/callcycle/internal/money"
	"github.com/jackc/pgx/v5"
)

// OwnReportInput is an applicant's final report, sent from its file's
// page: the figures GrantReport takes and the report's files.
type OwnReportInput struct {
	Reference     string           `json:"reference"` // the application whose grant it reports on
	Beneficiaries int              `json:"beneficiaries"`
	Spent         money.Cents      `json:"spent"` // cents
	Lessons       string           `json:"lessons"`
	Files         []AttachmentFile `json:"files"` // field "report"
	// Only is the applicant's organisation, set by the portal: the
	// grant must be one of its applications'.
	Only ApplicationFilter `json:"-"`
}

// OwnReportResult is the grant after the report, and the files kept.
type OwnReportResult struct {
	GrantChangeResult
	Attachments []Attachment `json:"attachments"`
}

// OwnReport records an applicant's final report on its own
// organisation's grant. Another organisation's grant, or an application
// that has none, reads as missing. The files are checked before the
// report is sent and kept only once the grant accepted it.
func (s *Service) OwnReport(ctx context.Context, by Actor, in OwnReportInput) (OwnReportResult, error) {
	grantID, files, err := s.ownReportCheck(ctx, in)
	if err != nil {
		s.audited(ctx, by, "grant.own-report", fileDigest(in.Reference, nil), &err, func() string { return in.Reference })
		return OwnReportResult{}, err
	}
	res, err := s.GrantReport(ctx, by, GrantReportInput{GrantID: grantID, Beneficiaries: in.Beneficiaries, Spent: in.Spent, Lessons: in.Lessons})
	if err != nil {
		return OwnReportResult{GrantChangeResult: res}, err
	}
	out := OwnReportResult{GrantChangeResult: res, Attachments: []Attachment{}}
	if len(files) == 0 {
		return out, nil
	}
	if out.Attachments, err = s.attach(ctx, by, in.Reference, files); err != nil {
		return out, &Error{Kind: Unavailable, Err: err,
			Message: fmt.Sprintf("the final report of %s is received, but its files could not be kept: send them to the office", grantID)}
	}
	return out, nil
}

// ownReportCheck finds the grant the applicant reports on and checks
// its files, before anything is sent.
func (s *Service) ownReportCheck(ctx context.Context, in OwnReportInput) (string, []checkedFile, error) {
	if in.Only.Organisation == 0 {
		return "", nil, &Error{Kind: Forbidden, Message: "a final report is sent from the portal by the grant's own organisation"}
	}
	files, err := s.checkFiles(in.Files, "report")
	if err != nil {
		return "", nil, err
	}
	var grantID string
	err = s.DB.QueryRow(ctx, `SELECT g.grant_id FROM grants g JOIN applications a USING (reference)
		WHERE a.reference = $1 AND a.applicant_id = $2`, in.Reference, in.Only.Organisation).Scan(&grantID)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil, &Error{Kind: NotFound, Message: fmt.Sprintf("no grant of yours for %q", in.Reference),
			Problems: []Problem{{Field: "reference", Reason: "no grant of yours for this application"}}}
	}
	return grantID, files, err
}
