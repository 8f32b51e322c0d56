package officer

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/callcycle/callcycle/activities"
	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/internal/payorder"
	"github.com/callcycle/callcycle/workflows"
	"go.temporal.io/sdk/client"
)

// grantUpdate sends a named update to a grant workflow.
func (e Env) grantUpdate(ctx context.Context, grantID, name string, arg any) (workflows.GrantStatus, error) {
	var res workflows.GrantChangeResult
	h, err := e.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: grantID, UpdateName: name, Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, &res)
	}
	if err := e.ended(ctx, "grant", grantID, grantID, err); err != nil {
		return res.Status, err
	}
	if isNotFound(err) {
		return res.Status, usage("no grant %q (grant ids look like GRANT-AP-SUD-2024-0007)", grantID)
	}
	return res.Status, e.explain(grantID, err)
}

func parseDay(flag, s string) (time.Time, error) {
	v, err := callspec.ParseTime(s)
	if err != nil {
		return time.Time{}, usage("%s: %v", flag, err)
	}
	return startOfDay(v), nil
}

// GrantSign records the signed agreement; the signature tranche is ordered.
func (e Env) GrantSign(ctx context.Context, grantID, on string) error {
	t, err := parseDay("--on", on)
	if err != nil {
		return err
	}
	st, err := e.grantUpdate(ctx, grantID, workflows.UpdateSign, workflows.SignInput{On: t, By: e.By})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Out, "%s: signed on %s; ordered %s; final report due %s\n", grantID, fmtTime(t), st.Ordered, fmtTime(st.Due))
	return nil
}

// GrantPaid confirms that finance executed tranche n (0: recovery received).
func (e Env) GrantPaid(ctx context.Context, grantID string, tranche int, on string) error {
	t, err := parseDay("--on", on)
	if err != nil {
		return err
	}
	st, err := e.grantUpdate(ctx, grantID, workflows.UpdatePaid, workflows.PaidInput{Tranche: tranche, On: t, By: e.By})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Out, "%s: tranche %d executed on %s; paid so far %s of %s (%s)\n", grantID, tranche, fmtTime(t), st.Paid, st.Amount, st.Stage)
	return nil
}

// GrantEndDate moves the project's end; the report timers follow.
func (e Env) GrantEndDate(ctx context.Context, grantID, end string) error {
	t, err := callspec.ParseTime(end)
	if err != nil {
		return usage("end date: %v", err)
	}
	st, err := e.grantUpdate(ctx, grantID, workflows.UpdateEndDate, workflows.EndDateInput{End: t, By: e.By})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Out, "%s: project ends %s; final report due %s\n", grantID, fmtTime(st.ProjectEnd), fmtTime(st.Due))
	return nil
}

// GrantReportOptions is the final report's data.
type GrantReportOptions struct {
	Beneficiaries int
	Spent         string
	Lessons       string
}

// GrantReport records the final report as received.
func (e Env) GrantReport(ctx context.Context, grantID string, o GrantReportOptions) error {
	spent, err := money.Parse(o.Spent)
	if err != nil {
		return usage("--spent: %v", err)
	}
	st, err := e.grantUpdate(ctx, grantID, workflows.UpdateReport, workflows.ReportInput{Beneficiaries: o.Beneficiaries, Spent: spent, Lessons: o.Lessons, By: e.By})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Out, "%s: final report received (%d beneficiaries, %s spent); %s\n", grantID, o.Beneficiaries, spent, st.WaitingFor)
	return nil
}

// GrantReview approves the report or asks for a revision by a new date.
func (e Env) GrantReview(ctx context.Context, grantID string, approve bool, revise, due string) error {
	in := workflows.ReviewInput{Approve: approve, Note: revise, By: e.By}
	if approve == (revise != "") {
		return usage("give either --approve or --revise \"what to change\" --due <date>")
	}
	if !approve {
		t, err := callspec.ParseTime(due)
		if err != nil {
			return usage("--due: %v", err)
		}
		in.Due = t
	}
	st, err := e.grantUpdate(ctx, grantID, workflows.UpdateReview, in)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Out, "%s: %s; now waiting for %s\n", grantID, map[bool]string{true: "report approved", false: "revision asked"}[approve], st.WaitingFor)
	return nil
}

// GrantStatus shows a grant.
func (e Env) GrantStatus(ctx context.Context, grantID string) (workflows.GrantStatus, error) {
	var s workflows.GrantStatus
	v, err := e.Temporal.QueryWorkflow(ctx, grantID, "", workflows.QueryGrant, workflows.GrantQuery{})
	if err != nil {
		if isNotFound(err) {
			return s, usage("no grant %q", grantID)
		}
		return s, err
	}
	if err := v.Get(&s); err != nil {
		return s, err
	}
	fmt.Fprintf(e.Out, "%s (%s, call %s)\n  stage:        %s\n  waiting for:  %s\n  granted:      %s (ordered %s, paid %s)\n",
		s.GrantID, s.Reference, s.CallID, s.Stage, s.WaitingFor, s.Amount, s.Ordered, s.Paid)
	for i, t := range s.Tranches {
		paid := "not paid"
		if !t.PaidOn.IsZero() {
			paid = "paid " + fmtTime(t.PaidOn)
		}
		fmt.Fprintf(e.Out, "  tranche %d:    %d %% on %s: %s ordered of %s, %s\n", i+1, t.Percent, t.On, t.Ordered, t.Amount, paid)
	}
	if s.Recovery > 0 {
		fmt.Fprintf(e.Out, "  recovery:     %s\n", s.Recovery)
	}
	return s, nil
}

// PaymentsExport writes the call's payment-order workbook for finance.
func (e Env) PaymentsExport(ctx context.Context, callID, out string) error {
	orders, err := activities.PaymentOrders(ctx, e.DB, callID)
	if err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return usage("%v", err)
	}
	if err := payorder.Write(f, "Ordres de paiement — "+callID, orders); err != nil {
		f.Close()
		return err
	}
	fmt.Fprintf(e.Out, "%s: %d payment orders written to %s\n", callID, len(orders), out)
	return f.Close()
}
