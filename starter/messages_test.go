package main

import (
	"strings"
	"testing"

	"github.com/callcycle/callcycle/internal/operations"
)

// Messages say "1 waiting call", never "1 waiting calls" or "0 waiting
// calls paused" (issue 11).
func TestWaitingCallsMessage(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		n    int
		want string
	}{
		{0, "no call was waiting"},
		{1, "1 waiting call is paused"},
		{3, "3 waiting calls are paused"},
	} {
		var b strings.Builder
		printGovernmentChange("is paused", "are paused")(&b, operations.GovernmentChangeResult{Description: "caretaker mode since 2024-06-10", By: "o", Notified: c.n})
		if !strings.HasSuffix(b.String(), "; "+c.want+"\n") {
			t.Errorf("%d waiting: %q, want it to end %q", c.n, b.String(), c.want)
		}
	}
}
