package demo

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/workflows"
)

// The government's caretaker mode: calls at the approval step would
// pause; the grants' payments go on.
func (r *Replay) caretaker(ctx context.Context) error {
	since := time.Date(2024, 6, 10, 0, 0, 0, 0, callspec.Brussels)
	recorded := func(ctx context.Context) (bool, error) {
		q, _, err := query[workflows.GovernmentQueryResult](ctx, r.tc, workflows.GovernmentWorkflowID, workflows.QueryGovernment, workflows.GovernmentQuery{})
		return err == nil && q.Status.Since.Equal(since), err
	}
	return r.do(ctx, "government: caretaker mode since 2024-06-10", recorded, func(ctx context.Context) error {
		return r.act.caretaker(ctx, since)
	})
}

// grants takes every granted project to its closure: agreement signed
// today, first tranche confirmed, project ended, final report (the whole
// grant spent), report approved, final tranche confirmed. Each grant's
// state says which of these are done, so a half-run step resumes where
// it stopped.
func (r *Replay) grants(ctx context.Context) error {
	want := 0
	for _, c := range calls {
		want += c.funded
	}
	var refs []string
	granted := map[string]money.Cents{}
	if err := r.do(ctx, "the granted applications", nil, func(ctx context.Context) error {
		rows, err := r.db.Query(ctx, `SELECT reference, granted_cents FROM applications WHERE decision = 'granted'
			AND call_id IN ('AP-SUD-2024', 'AP-CMS-2024') ORDER BY reference`)
		if err != nil {
			return err
		}
		defer rows.Close()
		refs = refs[:0]
		for rows.Next() {
			var ref string
			var c int64
			if err := rows.Scan(&ref, &c); err != nil {
				return err
			}
			refs, granted[ref] = append(refs, ref), money.Cents(c)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(refs) != want {
			return ErrNotYet // the decisions are still being recorded
		}
		return nil
	}); err != nil {
		return err
	}
	today := time.Now().In(callspec.Brussels)
	for _, ref := range refs {
		if err := r.grant(ctx, workflows.GrantWorkflowID(ref), granted[ref], today); err != nil {
			return err
		}
	}
	fmt.Fprintf(r.Out, "   %d grants signed, paid, reported and closed\n", len(refs))
	return nil
}

// grantStatus queries the grant; found is false until the call started
// it (the call starts its grants in batches).
func (r *Replay) grantStatus(ctx context.Context, id string) (workflows.GrantStatus, bool, error) {
	return query[workflows.GrantStatus](ctx, r.tc, id, workflows.QueryGrant, workflows.GrantQuery{})
}

func (r *Replay) grant(ctx context.Context, id string, amount money.Cents, today time.Time) error {
	when := func(ok func(workflows.GrantStatus) bool) func(context.Context) (bool, error) {
		return func(ctx context.Context) (bool, error) {
			s, found, err := r.grantStatus(ctx, id)
			return found && ok(s), err
		}
	}
	stageIn := func(stages ...string) func(workflows.GrantStatus) bool {
		return func(s workflows.GrantStatus) bool { return slices.Contains(stages, s.Stage) }
	}
	paid := func(n int) func(workflows.GrantStatus) bool {
		return func(s workflows.GrantStatus) bool {
			return s.Stage == workflows.GrantClosed || len(s.Tranches) >= n && !s.Tranches[n-1].PaidOn.IsZero()
		}
	}
	// needs waits until the grant is at a point where the action applies.
	needs := func(ok func(workflows.GrantStatus) bool, act func(context.Context, workflows.GrantStatus) error) func(context.Context) error {
		return func(ctx context.Context) error {
			s, found, err := r.grantStatus(ctx, id)
			if err != nil {
				return err
			}
			if !found || !ok(s) {
				return ErrNotYet
			}
			return act(ctx, s)
		}
	}
	ordered := func(n int) func(workflows.GrantStatus) bool {
		return func(s workflows.GrantStatus) bool { return len(s.Tranches) >= n && s.Tranches[n-1].Ordered > 0 }
	}
	if err := r.do(ctx, id+": sign", when(func(s workflows.GrantStatus) bool { return !s.SignedOn.IsZero() }),
		needs(stageIn(workflows.GrantAgreement), func(ctx context.Context, _ workflows.GrantStatus) error {
			return r.act.sign(ctx, id, today)
		})); err != nil {
		return err
	}
	if err := r.do(ctx, id+": tranche 1 paid", when(paid(1)), needs(ordered(1), func(ctx context.Context, _ workflows.GrantStatus) error {
		return r.act.paid(ctx, id, 1, today)
	})); err != nil {
		return err
	}
	// The project ends a second from now (unless an earlier attempt moved
	// the end already), then reports having spent its whole grant, so
	// that no compressed timer keeps chasing it afterwards.
	if err := r.do(ctx, id+": end and final report", when(stageIn(workflows.GrantReview, workflows.GrantClosing, workflows.GrantClosed)),
		needs(stageIn(workflows.GrantRunning, workflows.GrantOverdue), func(ctx context.Context, s workflows.GrantStatus) error {
			if s.ProjectEnd.After(time.Now().Add(5 * time.Second)) {
				if err := r.act.endDate(ctx, id, time.Now().Add(time.Second).Truncate(time.Second)); err != nil {
					return err
				}
			}
			return r.act.report(ctx, id, 100, amount, "Rapport final du rejeu 2024.")
		})); err != nil {
		return err
	}
	if err := r.do(ctx, id+": report approved", when(stageIn(workflows.GrantClosing, workflows.GrantClosed)),
		needs(stageIn(workflows.GrantReview), func(ctx context.Context, _ workflows.GrantStatus) error {
			return r.act.approve(ctx, id)
		})); err != nil {
		return err
	}
	return r.do(ctx, id+": tranche 2 paid", when(paid(2)), needs(ordered(2), func(ctx context.Context, _ workflows.GrantStatus) error {
		return r.act.paid(ctx, id, 2, today)
	}))
}

func (r *Replay) callsCompleted(ctx context.Context) error {
	for _, c := range calls {
		if err := r.do(ctx, c.id+": completed", r.stageIn(c.id, workflows.StageCompleted), func(context.Context) error {
			return ErrNotYet // the call completes by itself once its grants closed
		}); err != nil {
			return err
		}
	}
	return nil
}
