package callspec

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// The committee's deadline and reminders: optional; a date is the end of
// that day in Brussels; reminders come before it, earliest first; what an
// officer can get wrong is refused naming the field.
func TestCommitteeDeadline(t *testing.T) {
	t.Parallel()
	call, _, err := Parse([]byte(validCall))
	if err != nil || !call.Committee.Deadline.IsZero() || call.CommitteeReminders() != nil {
		t.Fatalf("no committee deadline: %+v, %v", call.Committee, err)
	}
	call, _, err = Parse([]byte(edit(t, "  reviewers: [AB, CD, EF]\n", "  reviewers: [AB, CD, EF]\n  deadline: \"2030-05-15\"\n  reminder_days: [2, 7, 2]\n")))
	if err != nil {
		t.Fatal(err)
	}
	end := time.Date(2030, 5, 15, 23, 59, 59, 0, Brussels)
	if !call.Committee.Deadline.Equal(end) {
		t.Errorf("deadline %v, want %v", call.Committee.Deadline, end)
	}
	want := []CommitteeReminder{{end.AddDate(0, 0, -7), 7}, {end.AddDate(0, 0, -2), 2}}
	if got := call.CommitteeReminders(); !slices.EqualFunc(got, want, func(a, b CommitteeReminder) bool { return a.At.Equal(b.At) && a.DaysBefore == b.DaysBefore }) {
		t.Errorf("reminders %v, want %v", got, want)
	}
	for _, tt := range []struct{ name, committee, want string }{
		{"not a date", `deadline: "15/05/2030"`, "committee.deadline: "},
		{"before the submissions close", `deadline: "2030-03-01"`, "committee.deadline: 2030-03-01 23:59 is not after the submission deadline"},
		{"reminder without deadline", "reminder_days: [7]", "committee.reminder_days: reminders are sent before committee.deadline"},
		{"reminder day 0", "deadline: \"2030-05-15\"\n  reminder_days: [0]", "committee.reminder_days[0]: want 1-90"},
	} {
		_, _, err := Parse([]byte(edit(t, "  reviewers: [AB, CD, EF]\n", "  reviewers: [AB, CD, EF]\n  "+tt.committee+"\n")))
		if lines := errLines(err); len(lines) != 1 || !strings.HasPrefix(lines[0], tt.want) {
			t.Errorf("%s: %v, want one problem starting %q", tt.name, err, tt.want)
		}
	}
	// After the budget year: refused at launch, as the submission deadline is.
	call, _, err = Parse([]byte(strings.Replace(edit(t, "  reviewers: [AB, CD, EF]\n", "  reviewers: [AB, CD, EF]\n  deadline: \"2031-01-15\"\n"), "year: 2024", "year: 2030", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if bad := call.CheckDates(time.Date(2030, 1, 10, 0, 0, 0, 0, Brussels)); len(bad) != 1 || !strings.HasPrefix(bad[0], "committee.deadline: 2031-01-15 23:59 is after the 2030 budget year closes") {
		t.Errorf("CheckDates: %v", bad)
	}
}
