package operations

import (
	"slices"
	"strings"
	"testing"
)

// The decision and the payment always need a second person; the setting
// adds actions that can wait, and refuses one that cannot, naming it.
func TestFourEyesActions(t *testing.T) {
	got, err := FourEyesActions([]string{" grant.sign", "call.decide", "", "call.cancel"})
	if err != nil || !slices.Equal(got, []string{"call.decide", "grant.paid", "grant.sign", "call.cancel"}) {
		t.Errorf("FourEyesActions = %v, %v", got, err)
	}
	if got, err := FourEyesActions(nil); err != nil || !slices.Equal(got, AlwaysFourEyes) {
		t.Errorf("no setting: %v, %v", got, err)
	}
	if _, err := FourEyesActions([]string{"call.launch"}); err == nil || !strings.Contains(err.Error(), `"call.launch"`) || !strings.Contains(err.Error(), "grant.review") {
		t.Errorf("an action that cannot wait: %v", err)
	}
	for _, a := range ApprovableActions() {
		if actionOf(approvables[a].grant, approvables[a].update) != a {
			t.Errorf("%s does not come back from its update %q", a, approvables[a].update)
		}
	}
}
