package money

import "testing"

func TestString(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   Cents
		want string
	}{
		{Euros(125000), "125.000 €"},
		{620050, "6.200,50 €"},
		{Euros(881242), "881.242 €"},
		{Euros(0), "0 €"},
		{5, "0,05 €"},
		{Euros(1437344), "1.437.344 €"},
		{-Euros(1500), "-1.500 €"},
	} {
		if got := tc.in.String(); got != tc.want {
			t.Errorf("%d: got %q want %q", tc.in, got, tc.want)
		}
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want Cents
	}{
		{"125.000 €", Euros(125000)}, {"6.200,50 €", 620050}, {"125000", Euros(125000)},
		{"€ 23.196", Euros(23196)}, {"10,5", 1050}, {"1.437.344", Euros(1437344)}, {"0", 0},
	} {
		got, err := Parse(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("Parse(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "125.00", "12.5000", "abc", "1,234", "1,2,3", "€", "1.000.00", "=1+1", "99999999999999"} {
		if v, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) = %d, want error", bad, v)
		}
	}
}
