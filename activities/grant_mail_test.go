package activities_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callcycle/callcycle/activities"
	"github.com/callcycle/callcycle/mailtemplates"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
)

// TestGrantMailDataMatchesTheMapItReplaced: the grant workflow's mail
// data used to be a map; the typed structs must encode to the same bytes
// (same keys, same order, same value shapes), so that a GrantMail
// scheduled by an old worker and run by a new one, or the reverse, reads
// the same data.
func TestGrantMailDataMatchesTheMapItReplaced(t *testing.T) {
	for _, c := range []struct {
		typed mailtemplates.GrantData
		old   map[string]any // as workflows/grant.go built it before
	}{
		{&mailtemplates.AgreementReminder{SignBy: "28/11/2026", Count: 2}, map[string]any{"SignBy": "28/11/2026", "Count": 2}},
		{&mailtemplates.SignatureOverdue{SignBy: "28/11/2026", Days: 31}, map[string]any{"SignBy": "28/11/2026", "Days": 31}},
		{&mailtemplates.ReportReminder{DueDate: "01/03/2027", DaysLeft: 30}, map[string]any{"DueDate": "01/03/2027", "DaysLeft": 30}},
		{&mailtemplates.ReportOverdue{DueDate: "01/03/2027", Count: 3, DaysLate: 21},
			map[string]any{"DueDate": "01/03/2027", "Count": 3, "DaysLate": 21}},
	} {
		in := activities.NewGrantMailInput("GRANT-1", "k", true, c.typed)
		got, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(struct {
			GrantID   string         `json:"grantId"`
			Kind      string         `json:"kind"`
			Key       string         `json:"key"`
			ToOfficer bool           `json:"toOfficer"`
			Data      map[string]any `json:"data"`
		}{"GRANT-1", c.typed.Kind(), "k", true, c.old})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s:\n got %s\nwant %s", c.typed.Kind(), got, want)
		}
		var back activities.GrantMailInput
		if err := json.Unmarshal(want, &back); err != nil {
			t.Fatal(err)
		}
		if again, _ := json.Marshal(back); !bytes.Equal(again, want) {
			t.Errorf("%s does not survive a round trip: %s", c.typed.Kind(), again)
		}
	}
}

// TestGrantMailDataOfKeptHistories decodes every GrantMail input of the
// kept histories as a worker would (the SDK's data converter) and checks
// that its data encodes back to the very bytes the history holds.
func TestGrantMailDataOfKeptHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "workflows", "testdata", "histories", "*.json*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no kept histories: %v", err)
	}
	n := 0
	for _, f := range files {
		for _, p := range grantMailInputs(t, f) {
			var in activities.GrantMailInput
			if err := converter.GetDefaultDataConverter().FromPayload(p, &in); err != nil {
				t.Errorf("%s: %s: %v", filepath.Base(f), p.GetData(), err)
				continue
			}
			var raw map[string]json.RawMessage
			if err := json.Unmarshal(p.GetData(), &raw); err != nil {
				t.Fatal(err)
			}
			kept := raw["data"]
			if kept == nil {
				kept = raw["Data"] // histories recorded before the json tags
			}
			got, err := json.Marshal(in.Data)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, kept) {
				t.Errorf("%s: %s data re-encodes as %s, the history holds %s", filepath.Base(f), in.Kind, got, kept)
			}
			n++
		}
	}
	// Without one kept GrantMail input this test would check nothing.
	if n == 0 {
		t.Fatalf("no GrantMail input in the %d kept histories: keep one that has", len(files))
	}
	t.Logf("%d GrantMail inputs in %d histories", n, len(files))
}

func grantMailInputs(t *testing.T, path string) []*commonpb.Payload {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		if r, err = gzip.NewReader(f); err != nil {
			t.Fatal(err)
		}
	}
	h, err := client.HistoryFromJSON(r, client.HistoryJSONOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []*commonpb.Payload
	for _, e := range h.GetEvents() {
		a := e.GetActivityTaskScheduledEventAttributes()
		if a.GetActivityType().GetName() != "GrantMail" {
			continue
		}
		for _, p := range a.GetInput().GetPayloads() {
			out = append(out, p)
		}
	}
	return out
}

// TestGrantMailRefusesDataOfAnotherKind: the kind tells how to decode the
// data; a kind that is no grant mail fails the decode, and data of
// another kind (or none) is refused before anything is written.
func TestGrantMailRefusesDataOfAnotherKind(t *testing.T) {
	var in activities.GrantMailInput
	err := json.Unmarshal([]byte(`{"grantId":"G","kind":"launch","data":{"CallID":"X"}}`), &in)
	if err == nil || !strings.Contains(err.Error(), `"launch" is not a kind of grant mail`) {
		t.Errorf("want a decode error naming the kind, got %v", err)
	}
	if err := json.Unmarshal([]byte(`{"grantId":"G","kind":"payment","data":{"Tranche":"one"}}`), &in); err == nil {
		t.Error("want a decode error for a value of the wrong shape")
	}
	a := &activities.Activities{} // no database: the refusal comes first
	for _, in := range []activities.GrantMailInput{
		{GrantID: "G", Kind: mailtemplates.KindPayment, Data: &mailtemplates.Closure{}},
		{GrantID: "G", Kind: mailtemplates.KindPayment},
	} {
		_, err := a.GrantMail(context.Background(), in)
		var appErr *temporal.ApplicationError
		if !errors.As(err, &appErr) || appErr.Type() != activities.ErrTypeInvalid || !appErr.NonRetryable() {
			t.Errorf("data %T for kind %s: want a non-retryable %s error, got %v", in.Data, in.Kind, activities.ErrTypeInvalid, err)
		}
	}
}
