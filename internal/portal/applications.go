package portal

import (
	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/operations"
)

// readers of applications, each narrowed by the right it holds (the
// brief's "read an application" row).
var readers = []auth.Right{auth.ReadGranted, auth.ReadAssigned, auth.ApplyOwn}

// filterFor is what p may read: all (officer, manager), the granted ones
// (finance), the calls assigned and declared (reviewer), its
// organisation's (applicant).
func filterFor(p auth.Principal) operations.ApplicationFilter {
	switch {
	case p.Can(auth.ReadApplications):
		return operations.ApplicationFilter{}
	case p.Can(auth.ReadGranted):
		return operations.ApplicationFilter{GrantedOnly: true}
	case p.Can(auth.ReadAssigned):
		return operations.ApplicationFilter{Reviewer: p.UserID}
	}
	if p.Organisation == 0 {
		return operations.ApplicationFilter{Organisation: -1} // an applicant of no organisation sees nothing
	}
	return operations.ApplicationFilter{Organisation: p.Organisation}
}

// applicationRoutes read applications, assign reviewers and take their
// declarations.
func applicationRoutes(svc *operations.Service) []Route {
	list := get("/api/v1/calls/{call}/applications", auth.ReadApplications, "applications.list", func(in *operations.ApplicationsInput, r *Request) {
		in.CallID, in.Only = r.PathValue("call"), filterFor(r.Principal)
	}, svcOp(svc.Applications))
	mine := get("/api/v1/my/applications", auth.ApplyOwn, "applications.mine", func(in *operations.ApplicationsInput, r *Request) {
		in.Only = filterFor(r.Principal)
	}, svcOp(svc.Applications))
	one := get("/api/v1/applications/{reference}", auth.ReadApplications, "application.read", func(in *operations.ApplicationInput, r *Request) {
		in.Reference, in.Only = r.PathValue("reference"), filterFor(r.Principal)
	}, svcOp(svc.Application))
	list.Also, one.Also = readers, readers
	return []Route{list, mine, one,
		post("/api/v1/calls/{call}/my/application", auth.ApplyOwn, "application.apply", func(in *operations.ApplyInput, r *Request) {
			in.CallID, in.Organisation = r.PathValue("call"), filterFor(r.Principal).Organisation
		}, svcOp(svc.Apply)),
		post("/api/v1/calls/{call}/reviewers", auth.ManageCalls, "call.assign-reviewer", func(in *operations.AssignReviewerInput, r *Request) {
			in.CallID = r.PathValue("call")
		}, svcOp(svc.AssignReviewer)),
		post("/api/v1/calls/{call}/declaration", auth.ReadAssigned, "review.declare", func(in *operations.DeclareInput, r *Request) {
			in.CallID = r.PathValue("call")
		}, svcOp(svc.Declare)),
	}
}
