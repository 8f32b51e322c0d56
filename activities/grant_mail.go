package activities

import (
	"encoding/json"
	"fmt"

	"github.com/callcycle/callcycle/mailtemplates"
)

// GrantMailInput is a reminder or an alert about a grant, sent by the
// grant workflow: its JSON is in workflow histories. Data holds only the
// event's fields (the activity adds the grant's names from PostgreSQL);
// it is decoded by Kind, so a history recorded when Data was a map, with
// the same keys, still decodes (TestGrantMailDataOfKeptHistories).
type GrantMailInput struct {
	GrantID   string                  `json:"grantId"`
	Kind      string                  `json:"kind"` // Data.Kind(), which tells how to decode Data
	Key       string                  `json:"key"`  // makes the business key unique per event (e.g. "2" for the second reminder)
	ToOfficer bool                    `json:"toOfficer"`
	Data      mailtemplates.GrantData `json:"data"`
}

// NewGrantMailInput builds the input of one grant mail.
func NewGrantMailInput(grantID, key string, toOfficer bool, data mailtemplates.GrantData) GrantMailInput {
	return GrantMailInput{GrantID: grantID, Kind: data.Kind(), Key: key, ToOfficer: toOfficer, Data: data}
}

// UnmarshalJSON decodes Data as the struct of Kind.
func (in *GrantMailInput) UnmarshalJSON(b []byte) error {
	type plain GrantMailInput // without this method
	var wire struct {
		*plain
		Data json.RawMessage `json:"data"` // shadows plain.Data
	}
	wire.plain = (*plain)(in)
	if err := json.Unmarshal(b, &wire); err != nil {
		return err
	}
	if in.Data = nil; len(wire.Data) == 0 || string(wire.Data) == "null" {
		return nil // GrantMail refuses it, naming the kind
	}
	d, err := mailtemplates.NewGrantData(in.Kind)
	if err != nil {
		return fmt.Errorf("grant mail data: %w", err)
	}
	if err := json.Unmarshal(wire.Data, d); err != nil {
		return fmt.Errorf("grant mail %s data: %w", in.Kind, err)
	}
	in.Data = d
	return nil
}

func kindOf(d mailtemplates.Data) string {
	if d == nil {
		return ""
	}
	return d.Kind()
}
