package operations

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/callcycle/callcycle/workflows"
	"github.com/jackc/pgx/v5"
)

// DefaultMaxAttachment is the size limit of one attachment when the
// portal sets none (ATTACHMENT_MAX_MIB).
const DefaultMaxAttachment = 10 << 20

// MaxAttachments bounds the files of one submission.
const MaxAttachments = 8

// AttachmentFields are the fields a file may be sent under: the
// application's statutes and budget, the final report's files.
var AttachmentFields = []string{"statutes", "budget", "report"}

// AttachmentFile is one file as it was sent.
type AttachmentFile struct {
	Field string `json:"field"` // one of AttachmentFields
	Name  string `json:"name"`  // the name the sender gave it (sanitised before it is kept)
	Data  []byte `json:"data"`  // base64 in JSON
}

// Attachment is one kept file, without its content.
type Attachment struct {
	ID         int64     `json:"id"`
	Reference  string    `json:"reference"`
	Field      string    `json:"field"`
	Name       string    `json:"name"`
	MediaType  string    `json:"media_type"` // found in the content
	Size       int64     `json:"size"`
	SHA256     string    `json:"sha256"` // hex
	UploadedAt time.Time `json:"uploaded_at"`
}

// FileFault is what is wrong with a file, for a page to say in its
// reader's language.
type FileFault string

const (
	FileEmpty    FileFault = "empty"
	FileTooBig   FileFault = "too_big"
	FileWrong    FileFault = "type" // not a PDF, XLSX, DOCX or ODS by its content
	FileNoField  FileFault = "field"
	FileTooMany  FileFault = "too_many"
	FileNotASlot FileFault = "not_here" // a report's file with an application, or the reverse
)

// FileProblem is one refused file.
type FileProblem struct {
	Field string    `json:"field"`
	Name  string    `json:"name"` // sanitised
	Fault FileFault `json:"fault"`
	Limit int64     `json:"limit,omitempty"` // FileTooBig: the limit, in bytes
}

// FileProblems is every refused file of a submission: the Err of the
// Refused *Error, so a page can name each fault in its own words.
type FileProblems []FileProblem

func (p FileProblems) Error() string {
	var s []string
	for _, f := range p {
		s = append(s, f.Field+": "+f.reason())
	}
	return strings.Join(s, "; ")
}

func (f FileProblem) reason() string {
	switch f.Fault {
	case FileEmpty:
		return fmt.Sprintf("%s is empty", f.Name)
	case FileTooBig:
		if f.Limit < 1<<20 {
			return fmt.Sprintf("%s is larger than the limit of %d bytes", f.Name, f.Limit)
		}
		return fmt.Sprintf("%s is larger than the limit of %d MiB", f.Name, f.Limit>>20)
	case FileWrong:
		return fmt.Sprintf("%s is not a PDF, XLSX, DOCX or ODS file (its content was read, not its name)", f.Name)
	case FileTooMany:
		return fmt.Sprintf("at most %d files at once", MaxAttachments)
	case FileNotASlot:
		return "this file is not taken here"
	}
	return fmt.Sprintf("unknown field; want one of %s", strings.Join(AttachmentFields, ", "))
}

func (p FileProblems) refusal() *Error {
	e := &Error{Kind: Refused, Message: "attachments refused: " + p.Error(), Err: p}
	for _, f := range p {
		e.Problems = append(e.Problems, Problem{Field: f.Field, Reason: f.reason()})
	}
	return e
}

// AttachmentLimit is the size limit of one file.
func (s *Service) AttachmentLimit() int64 {
	if s.MaxAttachmentBytes > 0 {
		return s.MaxAttachmentBytes
	}
	return DefaultMaxAttachment
}

// checkedFile is a file that passed: its type, name and checksum found.
type checkedFile struct {
	field, name, mediaType, sum string
	data                        []byte
}

// checkFiles checks every file before anything is written: one bad file
// refuses them all (and what they came with), each fault named.
func (s *Service) checkFiles(files []AttachmentFile, fields ...string) ([]checkedFile, error) {
	var bad FileProblems
	if len(files) > MaxAttachments {
		bad = append(bad, FileProblem{Field: files[0].Field, Fault: FileTooMany})
	}
	var out []checkedFile
	for _, f := range files {
		p := FileProblem{Field: f.Field, Name: cleanName(f.Name, "")}
		t := detectType(f.Data)
		switch {
		case !slices.Contains(AttachmentFields, f.Field):
			p.Fault = FileNoField
		case !slices.Contains(fields, f.Field):
			p.Fault = FileNotASlot
		case len(f.Data) == 0:
			p.Fault = FileEmpty
		case int64(len(f.Data)) > s.AttachmentLimit():
			p.Fault, p.Limit = FileTooBig, s.AttachmentLimit()
		case t == "":
			p.Fault = FileWrong
		default:
			sum := sha256.Sum256(f.Data)
			out = append(out, checkedFile{field: f.Field, name: cleanName(f.Name, t), mediaType: t, sum: hex.EncodeToString(sum[:]), data: f.Data})
			continue
		}
		bad = append(bad, p)
	}
	if len(bad) > 0 {
		return nil, bad.refusal()
	}
	return out, nil
}

// uploader is who is recorded as having sent a file: the signed-in
// person's id, else the program's name.
func uploader(by Actor) string {
	if by.ID != "" {
		return by.ID
	}
	return by.Name
}

// store keeps checked files of reference in one transaction: all or
// none. A file already kept under the same field (a retried request)
// is found, not added again.
func (s *Service) store(ctx context.Context, by Actor, reference string, files []checkedFile) ([]Attachment, error) {
	out := []Attachment{}
	err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		for _, f := range files {
			a := Attachment{Reference: reference, Field: f.field, Name: f.name, MediaType: f.mediaType, Size: int64(len(f.data)), SHA256: f.sum}
			err := tx.QueryRow(ctx, `INSERT INTO attachments (reference, field, file_name, media_type, size_bytes, sha256, content, uploaded_by, uploaded_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (reference, field, sha256) DO NOTHING
				RETURNING attachment_id, uploaded_at`, reference, f.field, f.name, f.mediaType, a.Size, f.sum, f.data, uploader(by), s.now()).Scan(&a.ID, &a.UploadedAt)
			if errors.Is(err, pgx.ErrNoRows) {
				err = tx.QueryRow(ctx, `SELECT attachment_id, file_name, uploaded_at FROM attachments WHERE reference = $1 AND field = $2 AND sha256 = $3`,
					reference, f.field, f.sum).Scan(&a.ID, &a.Name, &a.UploadedAt)
			}
			if err != nil {
				return err
			}
			out = append(out, a)
		}
		return nil
	})
	if err != nil {
		return nil, classify("", fmt.Errorf("store the attachments of %s: %w", reference, err))
	}
	return out, nil
}

// fileDigest is what the audit log digests of a submission's files:
// fields and checksums, not names or contents.
func fileDigest(reference string, files []checkedFile) any {
	type file struct{ Field, SHA256 string }
	d := struct {
		Reference string
		Files     []file
	}{Reference: reference}
	for _, f := range files {
		d.Files = append(d.Files, file{f.field, f.sum})
	}
	return d
}

// ApplyWithAttachmentsInput is an application and its files.
type ApplyWithAttachmentsInput struct {
	ApplyInput
	Files []AttachmentFile `json:"files"` // statutes, budget
}

// ApplyWithAttachmentsResult is the accepted application and its kept files.
type ApplyWithAttachmentsResult struct {
	ApplyResult
	Attachments []Attachment `json:"attachments"`
}

// ApplyWithAttachments checks the form and every file first (a bad one
// refuses the whole submission, every problem named, and nothing is
// submitted), then submits the
// application, and only once it is accepted keeps its files: a refused
// application leaves no file behind.
func (s *Service) ApplyWithAttachments(ctx context.Context, by Actor, in ApplyWithAttachmentsInput) (ApplyWithAttachmentsResult, error) {
	files, err := s.checkForm(ctx, in)
	if err != nil {
		s.audited(ctx, by, "application.apply", fileDigest("", nil), &err, func() string { return in.CallID })
		return ApplyWithAttachmentsResult{}, err
	}
	res, err := s.Apply(ctx, by, in.ApplyInput)
	if KindOf(err) == Refused {
		return ApplyWithAttachmentsResult{}, s.closedOr(ctx, in.CallID, err)
	}
	if err != nil {
		return ApplyWithAttachmentsResult{}, err
	}
	out := ApplyWithAttachmentsResult{ApplyResult: res, Attachments: []Attachment{}}
	if len(files) == 0 {
		return out, nil
	}
	out.Attachments, err = s.attach(ctx, by, res.Reference, files)
	if err != nil {
		// The application is in: say so, and that the files can be sent again.
		return out, &Error{Kind: Unavailable, Err: err,
			Message: fmt.Sprintf("the application %s is received, but its files could not be kept: send them again from its page", res.Reference)}
	}
	return out, nil
}

// closedOr is a refused submission as WrongStage when the call's
// workflow no longer takes applications (its validator refused it as
// late, or the office closed the window): a form can then say so
// rather than show the refusal's text. Any other refusal is err.
func (s *Service) closedOr(ctx context.Context, callID string, err error) error {
	st, serr := s.callStatus(ctx, callID)
	if serr != nil || (st.Stage == workflows.StageOpen && s.now().Before(st.Deadline)) {
		return err
	}
	var e *Error
	errors.As(err, &e)
	return &Error{Kind: WrongStage, Stage: st.Stage, Problems: e.Problems, Err: err,
		Message: fmt.Sprintf("%s no longer takes applications (deadline %s, stage %q)", callID, st.Deadline.Format(time.RFC3339), st.Stage)}
}

func (s *Service) attach(ctx context.Context, by Actor, reference string, files []checkedFile) (res []Attachment, err error) {
	defer s.audited(ctx, by, "application.attach", fileDigest(reference, files), &err, func() string { return reference })
	return s.store(ctx, by, reference, files)
}

// AttachInput adds files to an application the filter lets through.
type AttachInput struct {
	Reference string            `json:"reference"`
	Files     []AttachmentFile  `json:"files"`
	Only      ApplicationFilter `json:"-"`
}

// AttachResult is the files kept.
type AttachResult struct {
	Reference   string       `json:"reference"`
	Attachments []Attachment `json:"attachments"`
}

// Attach adds statutes or a budget to an application (one sent again
// after a failure, a corrected budget): checked as with the application.
func (s *Service) Attach(ctx context.Context, by Actor, in AttachInput) (AttachResult, error) {
	files, err := s.checkFiles(in.Files, "statutes", "budget")
	if err == nil && len(files) == 0 {
		err = refused("files", "no file sent")
	}
	if err == nil {
		err = s.visible(ctx, in.Reference, in.Only)
	}
	if err != nil {
		s.audited(ctx, by, "application.attach", fileDigest(in.Reference, nil), &err, func() string { return in.Reference })
		return AttachResult{}, err
	}
	kept, err := s.attach(ctx, by, in.Reference, files)
	return AttachResult{Reference: in.Reference, Attachments: kept}, err
}

// visible is nil when the filter lets reference through, else the
// NotFound Application answers (the same for one that does not exist).
func (s *Service) visible(ctx context.Context, reference string, only ApplicationFilter) error {
	where, args := only.where(2)
	var one int
	err := s.DB.QueryRow(ctx, `SELECT 1 FROM applications a WHERE a.reference = $1 AND `+where, append([]any{reference}, args...)...).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return &Error{Kind: NotFound, Message: fmt.Sprintf("no application %q", reference),
			Problems: []Problem{{Field: "reference", Reason: "no such application"}}}
	}
	return classify("", err)
}

// attachmentsOf lists reference's files, oldest first.
func (s *Service) attachmentsOf(ctx context.Context, reference string) ([]Attachment, error) {
	rows, err := s.DB.Query(ctx, `SELECT attachment_id, reference, field, file_name, media_type, size_bytes, sha256, uploaded_at
		FROM attachments WHERE reference = $1 ORDER BY attachment_id`, reference)
	if err != nil {
		return nil, err
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Attachment])
	if list == nil {
		list = []Attachment{}
	}
	return list, err
}

// AttachmentsInput names an application.
type AttachmentsInput struct {
	Reference string            `json:"reference"`
	Only      ApplicationFilter `json:"-"`
}

// AttachmentsResult lists its files.
type AttachmentsResult struct {
	Reference   string       `json:"reference"`
	Attachments []Attachment `json:"attachments"`
}

// Attachments lists an application's files, or NotFound as Application.
func (s *Service) Attachments(ctx context.Context, by Actor, in AttachmentsInput) (AttachmentsResult, error) {
	if err := s.visible(ctx, in.Reference, in.Only); err != nil {
		return AttachmentsResult{}, err
	}
	list, err := s.attachmentsOf(ctx, in.Reference)
	return AttachmentsResult{Reference: in.Reference, Attachments: list}, err
}

// AttachmentInput names one file of an application.
type AttachmentInput struct {
	Reference string            `json:"reference"`
	ID        int64             `json:"id"`
	Only      ApplicationFilter `json:"-"`
}

// AttachmentContent is one file with its content.
type AttachmentContent struct {
	Attachment
	Data []byte `json:"-"`
}

// Attachment is one file to download, or NotFound: the same for a file
// that does not exist, one of another application, and one of an
// application the filter hides. Handing it out is recorded.
func (s *Service) Attachment(ctx context.Context, by Actor, in AttachmentInput) (res AttachmentContent, err error) {
	defer s.audited(ctx, by, "application.attachment", struct {
		Reference string
		ID        int64
	}{in.Reference, in.ID}, &err, func() string { return in.Reference })
	if err := s.visible(ctx, in.Reference, in.Only); err != nil {
		return res, err
	}
	err = s.DB.QueryRow(ctx, `SELECT attachment_id, reference, field, file_name, media_type, size_bytes, sha256, uploaded_at, content
		FROM attachments WHERE reference = $1 AND attachment_id = $2`, in.Reference, in.ID).
		Scan(&res.ID, &res.Reference, &res.Field, &res.Name, &res.MediaType, &res.Size, &res.SHA256, &res.UploadedAt, &res.Data)
	if errors.Is(err, pgx.ErrNoRows) {
		return AttachmentContent{}, &Error{Kind: NotFound, Message: fmt.Sprintf("no attachment %d of %s", in.ID, in.Reference),
			Problems: []Problem{{Field: "id", Reason: "no such attachment"}}}
	}
	return res, err
}
