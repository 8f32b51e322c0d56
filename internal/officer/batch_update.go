package officer

import (
	"context"
	"errors"

	"github.com/callcycle/callcycle/workflows"
)

// batchUpdate sends items through an update whose validator refuses a
// batch with any bad row. Refused rows (named in the rejection's details)
// are dropped and the rest resent, so good rows go in and every bad row
// gets its reason. send performs the update for one attempt; idx gives
// the position in items of each element of batch. The returned map is
// keyed by position in items.
func batchUpdate[T any](ctx context.Context, callID string, items []T, send func(idx []int, batch []T) error) (map[int]string, error) {
	refused := map[int]string{}
	idx := make([]int, len(items))
	for i := range idx {
		idx[i] = i
	}
	pending := append([]T(nil), items...)
	for len(pending) > 0 {
		err := send(idx, pending)
		if err == nil {
			return refused, nil
		}
		var rej workflows.Rejection
		if !rejectionDetails(err, &rej) || len(rej.Rows) == 0 {
			if errors.Is(err, ErrUsage) { // the whole batch is refused (wrong stage...)
				for _, i := range idx {
					refused[i] = trimCall(callID, err)
				}
				return refused, nil
			}
			return nil, err
		}
		bad := map[int]bool{}
		for _, r := range rej.Rows {
			bad[r.Index] = true
			refused[idx[r.Index]] = r.Reason
		}
		var keep []T
		var keepIdx []int
		for j := range pending {
			if !bad[j] {
				keep, keepIdx = append(keep, pending[j]), append(keepIdx, idx[j])
			}
		}
		pending, idx = keep, keepIdx
	}
	return refused, nil
}
