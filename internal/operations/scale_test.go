package operations_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/callcycle/callcycle/workflows"
)

// TestTenThousandApplications: a call takes 10,000 applications through
// the bulk import (one COPY, batches of 100 per update), continuing as
// new along the way, and every applicant gets one receipt.
func TestTenThousandApplications(t *testing.T) {
	t.Parallel()
	const n = 10000
	s := newStack(t)
	ctx := context.Background()
	call := strings.Replace(fmt.Sprintf(smallCall, "AP-CMS-BIG", "big"), `envelope: "50.000 €"`, `envelope: "5.000.000 €"`, 1)
	if _, err := s.env.Launch(ctx, writeFile(t, "big.yaml", call), launchOpts{MaxUpdatesPerRun: 40}); err != nil {
		t.Fatal(err)
	}
	var csv strings.Builder
	csv.WriteString("association;title;region;amount;summary;duration_months;contact_name;email;language\n")
	langs := []string{"fr", "nl", "en"}
	for i := range n {
		fmt.Fprintf(&csv, "Association %d;Projet %d;Région de Bruxelles-Capitale;%d;Résumé.;12;Contact %d;a%d@example.org;%s\n",
			i, i, 5000+i, i, i, langs[i%3])
	}
	start := time.Now()
	res, err := s.env.Import(ctx, "AP-CMS-BIG", writeFile(t, "big.csv", csv.String()))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("imported %d applications in %s", len(res.Accepted), time.Since(start).Round(time.Millisecond))
	if len(res.Accepted) != n || len(res.Rejected) != 0 {
		t.Fatalf("accepted %d, rejected %d", len(res.Accepted), len(res.Rejected))
	}
	seen := map[string]bool{}
	for _, a := range res.Accepted {
		if seen[a.Reference] {
			t.Fatalf("reference %s given twice", a.Reference)
		}
		seen[a.Reference] = true
	}
	st := waitStage(t, s.env, "AP-CMS-BIG", workflows.StageOpen)
	if st.Submitted != n || st.Runs < 3 {
		t.Fatalf("status: %d applications over %d runs", st.Submitted, st.Runs)
	}
	if got := s.count(t, "SELECT count(*) FROM applications"); got != n {
		t.Fatalf("stored %d applications", got)
	}
	waitUntil(t, 5*time.Minute, func() bool {
		return s.count(t, "SELECT count(*) FROM mail_log WHERE kind = 'receipt' AND status = 'sent'") == n
	})
	t.Logf("all %d receipts sent %s after the import began", n, time.Since(start).Round(time.Millisecond))
	if got := len(s.sink.Messages(t)); got != n+1 {
		t.Fatalf("sink holds %d mails, want %d receipts and 1 announcement", got, n)
	}
}
