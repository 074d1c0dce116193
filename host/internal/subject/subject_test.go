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

// TestReservedSpaces pins the reserved subject spaces: every "$…" first
// token, every "_INBOX…" first token and "hostd"; and which patterns may
// reach them.
func TestReservedSpaces(t *testing.T) {
	for s, want := range map[string]bool{
		"$KV.other.key": true, "$JS.API.STREAM.CREATE.x": true, "$O.b.x": true, "$SYS.REQ.x": true,
		"$JSC.x": true, "$NRG.x": true, "$G": true, "$anything.else": true, "$": true,
		"_INBOX.someone-else": true, "_INBOX_PLUGIN.abc.1": true, "_INBOX": true,
		"hostd.events.forged": true, "hostd": true, "hostd.>": true,
		"orders.$KV": false, "orders._INBOX": false, "hostdx.a": false, "a$.b": false, "_inbox.x": false,
		"orders.created": false,
	} {
		if Reserved(s) != want {
			t.Errorf("Reserved(%q) != %v", s, want)
		}
	}
	for p, want := range map[string]bool{
		">": true, "*": true, "*.>": true, "*.API.>": true, "*.orders": true, "$JS.API.>": true,
		"_INBOX.>": true, "hostd.events.*": true, "$KV.x.y": true,
		"orders.>": false, "orders.*": false, "a.*.>": false, "orders.$KV.>": false,
	} {
		if MayReachReserved(p) != want {
			t.Errorf("MayReachReserved(%q) != %v", p, want)
		}
	}
	for s, want := range map[string]bool{"_INBOX.x.y": true, "_INBOX_PLUGIN.a.b": true, "hostd.x": false, "a._INBOX": false} {
		if Inbox(s) != want {
			t.Errorf("Inbox(%q) != %v", s, want)
		}
	}
}
