package intake

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"github.com/callcycle/callcycle/internal/callspec"
	"go.yaml.in/yaml/v3"
)

// applicationYAML is the application file; the amount goes through
// callspec.Amount so that 125.000 is never read as 125.
type applicationYAML struct {
	Association    string          `yaml:"association"`
	Title          string          `yaml:"title"`
	Region         string          `yaml:"region"`
	Amount         callspec.Amount `yaml:"amount"`
	Summary        string          `yaml:"summary"`
	DurationMonths int             `yaml:"duration_months"`
	Contact        struct {
		Name     string `yaml:"name"`
		Email    string `yaml:"email"`
		Language string `yaml:"language"`
	} `yaml:"contact"`
	IBAN string `yaml:"iban"`
}

// MaxFileBytes bounds one application file.
const MaxFileBytes = 256 << 10

// ParseYAML reads one application file and runs Check.
func ParseYAML(data []byte) (Application, error) {
	if len(data) > MaxFileBytes {
		return Application{}, fmt.Errorf("application file is %d bytes; the limit is %d", len(data), MaxFileBytes)
	}
	if !utf8.Valid(data) {
		return Application{}, fmt.Errorf("application file is not valid UTF-8")
	}
	var y applicationYAML
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&y); err != nil {
		return Application{}, fmt.Errorf("application file is not valid YAML: %w", err)
	}
	a := Application{Association: y.Association, Title: y.Title, Region: y.Region, Amount: y.Amount.Cents,
		Summary: y.Summary, DurationMonths: y.DurationMonths, ContactName: y.Contact.Name,
		Email: y.Contact.Email, Language: y.Contact.Language, IBAN: y.IBAN}
	return a, a.Check()
}
