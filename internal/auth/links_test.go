package auth_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/callcycle/callcycle/internal/auth"
)

// An address is compared as users.email keeps it; anything but a bare
// address is refused before it is counted or looked up.
func TestNormalAddress(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{" Ama@Applicant.Example ": "ama@applicant.example", "a.b+c@x.org": "a.b+c@x.org"} {
		if got, err := auth.NormalAddress(in); err != nil || got != want {
			t.Errorf("NormalAddress(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "ama", "Ama <ama@x.org>", "ama@x.org, eve@y.org", "@x.org", strings.Repeat("a", 250) + "@x.org"} {
		if _, err := auth.NormalAddress(bad); !errors.Is(err, auth.ErrBadAddress) {
			t.Errorf("NormalAddress(%q): %v, want ErrBadAddress", bad, err)
		}
	}
}

func TestLinkPolicyDefaults(t *testing.T) {
	t.Parallel()
	if got := (auth.LinkPolicy{}).OrDefaults(); got != auth.DefaultLinkPolicy {
		t.Errorf("zero policy: %+v, want the defaults %+v", got, auth.DefaultLinkPolicy)
	}
	if got := (auth.LinkPolicy{Life: time.Minute, PerClient: 3}).OrDefaults(); got.Life != time.Minute || got.PerClient != 3 || got.PerAddress != 5 || got.Window != time.Hour {
		t.Errorf("partial policy: %+v", got)
	}
	if auth.DefaultLinkPolicy.Life != 15*time.Minute {
		t.Errorf("a link lives %s by default, want 15m", auth.DefaultLinkPolicy.Life)
	}
}

// The refusal says what to do and when, in whole minutes.
func TestLimitErrorMessage(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		e    auth.LimitError
		want string
	}{
		{auth.LimitError{By: "address", RetryAfter: 30 * time.Second}, "for this address: try again in a minute"},
		{auth.LimitError{By: "client", RetryAfter: 59*time.Minute + time.Second}, "from your network address: try again in 60 minutes"},
	} {
		if got := c.e.Error(); !strings.HasSuffix(got, c.want) {
			t.Errorf("%+v: %q, want …%q", c.e, got, c.want)
		}
	}
}
