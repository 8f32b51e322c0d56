package portal

import (
	"io"

	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/operations"
)

// Routes is the API, each route with the right the brief gives it. A
// route added here without a right stops the portal at start
// (TestEveryRouteDeclaresARight, and New itself).
func Routes(svc *operations.Service) []Route {
	return []Route{
		{Method: "GET", Path: "/api/v1/me", AnyUser: true, Handle: func(r *Request) (any, error) { return r.Principal, nil }},

		{Method: "POST", Path: "/api/v1/calls", Right: auth.ManageCalls, Action: "call.launch", Handle: func(r *Request) (any, error) {
			body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20)) // the call's YAML, as `starter launch` reads it
			if err != nil {
				return nil, err
			}
			return svc.Launch(r.Context(), r.Actor, operations.LaunchInput{Call: body, Source: "request body"})
		}},
		{Method: "GET", Path: "/api/v1/calls/{call}", Right: auth.ReadReports, Action: "call.status", Handle: func(r *Request) (any, error) {
			return svc.Status(r.Context(), r.Actor, operations.StatusInput{CallID: r.PathValue("call")})
		}},
		{Method: "POST", Path: "/api/v1/calls/{call}/close", Right: auth.ManageCalls, Action: "call.close", Handle: func(r *Request) (any, error) {
			var in operations.CloseInput
			if err := r.JSON(&in); err != nil {
				return nil, err
			}
			in.CallID = r.PathValue("call")
			return svc.Close(r.Context(), r.Actor, in)
		}},

		{Method: "GET", Path: "/api/v1/grants/{grant}", Right: auth.ReadReports, Action: "grant.status", Handle: func(r *Request) (any, error) {
			return svc.GrantStatus(r.Context(), r.Actor, operations.GrantStatusInput{GrantID: r.PathValue("grant")})
		}},
		{Method: "POST", Path: "/api/v1/grants/{grant}/sign", Right: auth.ManageGrants, Action: "grant.sign", Handle: func(r *Request) (any, error) {
			var in operations.GrantSignInput
			if err := r.JSON(&in); err != nil {
				return nil, err
			}
			in.GrantID = r.PathValue("grant")
			return svc.GrantSign(r.Context(), r.Actor, in)
		}},
		{Method: "POST", Path: "/api/v1/grants/{grant}/paid", Right: auth.ConfirmPayment, Action: "grant.paid", Handle: func(r *Request) (any, error) {
			var in operations.GrantPaidInput
			if err := r.JSON(&in); err != nil {
				return nil, err
			}
			in.GrantID = r.PathValue("grant")
			return svc.GrantPaid(r.Context(), r.Actor, in)
		}},

		{Method: "GET", Path: "/api/v1/audit/verify", Right: auth.ReadReports, Action: "audit.verify", Handle: func(r *Request) (any, error) {
			return svc.AuditVerify(r.Context(), r.Actor, operations.AuditVerifyInput{})
		}},
	}
}
