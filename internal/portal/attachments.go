package portal

import (
	"strconv"

	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/operations"
)

// attachmentRoutes list, download and add an application's files, and
// take an applicant's final report with its files. Reading is narrowed
// as reading the application is (filterFor); a download is served as a
// file of the type found in its content, never as a page.
func attachmentRoutes(svc *operations.Service) []Route {
	ref := func(r *Request) string { return r.PathValue("reference") }
	list := get("/api/v1/applications/{reference}/attachments", auth.ReadApplications, "application.attachments", func(in *operations.AttachmentsInput, r *Request) {
		in.Reference, in.Only = ref(r), filterFor(r.Principal)
	}, svcOp(svc.Attachments))
	one := Route{Method: "GET", Path: "/api/v1/applications/{reference}/attachments/{id}", Right: auth.ReadApplications,
		Action: "application.attachment", Handle: func(r *Request) (any, error) {
			id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
			if err != nil {
				return nil, &operations.Error{Kind: operations.NotFound, Message: "no attachment " + r.PathValue("id"),
					Problems: []operations.Problem{{Field: "id", Reason: "an attachment's number"}}}
			}
			f, err := svc.Attachment(r.Context(), r.Actor, operations.AttachmentInput{Reference: ref(r), ID: id, Only: filterFor(r.Principal)})
			if err != nil {
				return nil, err
			}
			return File{Name: f.Name, ContentType: f.MediaType, Data: f.Data, Result: f.Attachment}, nil
		}}
	list.Also, one.Also = readers, readers
	add := big(post("/api/v1/applications/{reference}/attachments", auth.ApplyOwn, "application.attach", func(in *operations.AttachInput, r *Request) {
		in.Reference, in.Only = ref(r), filterFor(r.Principal)
	}, svcOp(svc.Attach)))
	add.Also = []auth.Right{auth.ApplyOnBehalf}
	report := big(post("/api/v1/applications/{reference}/report", auth.SubmitOwnReport, "grant.own-report", func(in *operations.OwnReportInput, r *Request) {
		in.Reference, in.Only = ref(r), operations.ApplicationFilter{Organisation: filterFor(r.Principal).Organisation}
	}, svcOp(svc.OwnReport)))
	return []Route{list, one, add, report}
}
