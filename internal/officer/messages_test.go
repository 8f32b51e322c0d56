package officer

import "testing"

// Messages say "1 waiting call", never "1 waiting calls" or "0 waiting
// calls paused" (issue 11).
func TestWaitingCallsMessage(t *testing.T) {
	for _, c := range []struct {
		n    int
		want string
	}{
		{0, "no call was waiting"},
		{1, "1 waiting call is paused"},
		{3, "3 waiting calls are paused"},
	} {
		if got := waiting(c.n, "is paused", "are paused"); got != c.want {
			t.Errorf("waiting(%d) = %q, want %q", c.n, got, c.want)
		}
	}
}
