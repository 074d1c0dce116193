package subject

import "testing"

func TestMatches(t *testing.T) {
	for _, tc := range []struct {
		pattern, subject string
		want             bool
	}{
		{"orders.created", "orders.created", true},
		{"orders.*", "orders.created", true},
		{"orders.*", "orders.created.eu", false},
		{"orders.>", "orders.created.eu", true},
		{"orders.>", "orders", false},
		{"*.created", "orders.created", true},
		{"orders", "orders.created", false},
		{"orders.created.x", "orders.created", false},
	} {
		if got := Matches(tc.pattern, tc.subject); got != tc.want {
			t.Errorf("Matches(%q, %q) = %v", tc.pattern, tc.subject, got)
		}
	}
}

func TestValidAndReserved(t *testing.T) {
	for s, want := range map[string]bool{"a.b": true, "a..b": false, "": false, "a b": false, "a.*": false, "a.>": false} {
		if Valid(s, false) != want {
			t.Errorf("Valid(%q, false) != %v", s, want)
		}
	}
	for s, want := range map[string]bool{"a.*": true, "a.>": true, "a.>.b": false, "a*": false} {
		if Valid(s, true) != want {
			t.Errorf("Valid(%q, true) != %v", s, want)
		}
	}
	for s, want := range map[string]bool{"hostd.events.x": true, "hostd.>": true, ">": false, "orders.>": false, "hostdx.a": false} {
		if Reserved(s) != want {
			t.Errorf("Reserved(%q) != %v", s, want)
		}
	}
}
