package words

import "testing"

func TestCount(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		n    int
		want string
	}{{0, "0 applications"}, {1, "1 application"}, {2, "2 applications"}, {-1, "-1 application"}} {
		if got := Count(c.n, "application", "applications"); got != c.want {
			t.Errorf("Count(%d) = %q, want %q", c.n, got, c.want)
		}
	}
}
