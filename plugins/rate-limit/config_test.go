package main

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/sdk"
)

func mustParse(t *testing.T, raw string) limitConfig {
	t.Helper()
	c, err := parse([]byte(raw))
	if err != nil {
		t.Fatalf("parse(%s): %v", raw, err)
	}
	return c
}

func TestParseDefaults(t *testing.T) {
	raw := `{"rate": 5}`
	c := mustParse(t, raw)
	sum := sha256.Sum256([]byte(raw))
	if want := "rl:" + hex.EncodeToString(sum[:])[:16]; c.prefix != want {
		t.Errorf("prefix %q, want %q", c.prefix, want)
	}
	want := sdk.Limit{Rate: 5, Period: time.Second, Burst: 5, Algorithm: abi.RateLimitTokenBucket}
	if c.limit != want {
		t.Errorf("limit %+v, want %+v", c.limit, want)
	}
	if len(c.keys) != 1 || c.keys[0] != (keyPart{kind: keyIP}) {
		t.Errorf("keys %+v, want ip", c.keys)
	}
	if len(c.tiers) != 0 {
		t.Errorf("tiers %+v", c.tiers)
	}
}

func TestParsePrefixFollowsRawBytes(t *testing.T) {
	a, b := mustParse(t, `{"rate": 5}`), mustParse(t, `{"rate":5}`)
	if a.prefix == b.prefix {
		t.Error("different configuration bytes share a prefix")
	}
	if c := mustParse(t, `{"rate": 5, "bucket": "api"}`); c.prefix != "api" {
		t.Errorf("bucket: prefix %q", c.prefix)
	}
}

func TestParseLimits(t *testing.T) {
	tests := []struct {
		raw  string
		want sdk.Limit
	}{
		{`{"rate": 10, "per": "1m", "burst": 20}`, sdk.Limit{Rate: 10, Period: time.Minute, Burst: 20}},
		{`{"rate": 10, "per": "250ms"}`, sdk.Limit{Rate: 10, Period: 250 * time.Millisecond, Burst: 10}},
		{`{"rate": 3, "algorithm": "sliding_window"}`, sdk.Limit{Rate: 3, Period: time.Second, Algorithm: abi.RateLimitSlidingWindow}},
		{`{"rate": 3, "algorithm": "token_bucket", "burst": 1}`, sdk.Limit{Rate: 3, Period: time.Second, Burst: 1}},
	}
	for _, tc := range tests {
		if got := mustParse(t, tc.raw).limit; got != tc.want {
			t.Errorf("%s: limit %+v, want %+v", tc.raw, got, tc.want)
		}
	}
}

func TestParseKeys(t *testing.T) {
	tests := []struct {
		key  string
		want []keyPart
	}{
		{`"ip"`, []keyPart{{kind: keyIP}}},
		{`"route"`, []keyPart{{kind: keyRoute}}},
		{`"header:x-tenant"`, []keyPart{{keyHeader, "X-Tenant"}}},
		{`"claim:sub"`, []keyPart{{keyHeader, "X-Claim-Sub"}}},
		{`["header:X-Tenant", "ip"]`, []keyPart{{keyHeader, "X-Tenant"}, {kind: keyIP}}},
	}
	for _, tc := range tests {
		got := mustParse(t, `{"rate": 1, "key": `+tc.key+`}`).keys
		if len(got) != len(tc.want) {
			t.Fatalf("key %s: %+v, want %+v", tc.key, got, tc.want)
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("key %s: %+v, want %+v", tc.key, got, tc.want)
			}
		}
	}
}

func TestParseTiers(t *testing.T) {
	c := mustParse(t, `{"rate": 10, "per": "1m", "burst": 30, "tiers": {"by": "claim:plan", "limits": {
		"vip": {"rate": 1000, "burst": 2000},
		"free": {"rate": 1},
		"slow": {"per": "1h"},
		"big": {"burst": 50}
	}}}`)
	if c.tierBy != (keyPart{keyHeader, "X-Claim-Plan"}) {
		t.Errorf("by %+v", c.tierBy)
	}
	want := []tier{
		{"big", sdk.Limit{Rate: 10, Period: time.Minute, Burst: 50}},
		{"free", sdk.Limit{Rate: 1, Period: time.Minute, Burst: 1}},
		{"slow", sdk.Limit{Rate: 10, Period: time.Hour, Burst: 30}},
		{"vip", sdk.Limit{Rate: 1000, Period: time.Minute, Burst: 2000}},
	}
	if len(c.tiers) != len(want) {
		t.Fatalf("tiers %+v", c.tiers)
	}
	for i := range want {
		if c.tiers[i] != want[i] {
			t.Errorf("tier %d: %+v, want %+v", i, c.tiers[i], want[i])
		}
	}
	sw := mustParse(t, `{"rate": 10, "algorithm": "sliding_window", "tiers": {"by": "header:X-Tier", "limits": {"vip": {"rate": 100}}}}`)
	if got := sw.tiers[0].limit; got != (sdk.Limit{Rate: 100, Period: time.Second, Algorithm: abi.RateLimitSlidingWindow}) {
		t.Errorf("sliding window tier %+v", got)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ raw, msg string }{
		{`[]`, "must be a JSON object"},
		{``, "must be a JSON object"},
		{`{"rate": 1} {}`, "trailing data"},
		{`{}`, "rate is required"},
		{`{"rate": 0}`, "rate must be between 1"},
		{`{"rate": -3}`, "rate must be between 1"},
		{`{"rate": 1152921504606846977}`, "rate must be between 1"},
		{`{"rate": 1.5}`, "cannot unmarshal"},
		{`{"rate": "10"}`, "cannot unmarshal"},
		{`{"rate": 1, "unknown": true}`, "unknown field"},
		{`{"rate": 1, "per": "soon"}`, "per: time: invalid duration"},
		{`{"rate": 1, "per": "0s"}`, "per must be a whole number of milliseconds"},
		{`{"rate": 1, "per": "-1s"}`, "per must be a whole number of milliseconds"},
		{`{"rate": 1, "per": "1500us"}`, "per must be a whole number of milliseconds"},
		{`{"rate": 1, "per": 1}`, "cannot unmarshal"},
		{`{"rate": 1, "burst": 0}`, "burst must be at least 1"},
		{`{"rate": 1, "per": "1000h", "burst": 1000000}`, "must not exceed about 36 years"},
		{`{"rate": 1, "algorithm": "sliding_window", "burst": 5}`, "burst applies only to the token_bucket"},
		{`{"rate": 1, "algorithm": "leaky"}`, `algorithm must be "token_bucket" or "sliding_window"`},
		{`{"rate": 1, "bucket": ""}`, "bucket must be 1 to 128 bytes"},
		{`{"rate": 1, "bucket": "` + strings.Repeat("b", 129) + `"}`, "bucket must be 1 to 128 bytes"},
		{`{"rate": 1, "bucket": "a\u001fb"}`, "control characters"},
		{`{"rate": 1, "key": "cookie:x"}`, `key: "cookie:x" is not`},
		{`{"rate": 1, "key": "header:"}`, `key: "header:" is not`},
		{`{"rate": 1, "key": "header:bad name"}`, `key: "header:bad name" is not`},
		{`{"rate": 1, "key": "IP"}`, `key: "IP" is not`},
		{`{"rate": 1, "key": []}`, "key must list 1 to 8 parts"},
		{`{"rate": 1, "key": null}`, "key must be a string or a list of strings"},
		{`{"rate": 1, "key": 7}`, "key must be a string or a list of strings"},
		{`{"rate": 1, "key": ["ip", 7]}`, "key must be a string or a list of strings"},
		{`{"rate": 1, "key": ["ip", "route", "header:a", "header:b", "header:c", "header:d", "header:e", "header:f", "header:g"]}`, "key must list 1 to 8 parts"},
		{`{"rate": 1, "key": ["header:X-A", "header:x-a"]}`, `key: "header:x-a" is listed twice`},
		{`{"rate": 1, "tiers": {}}`, "tiers.by is required"},
		{`{"rate": 1, "tiers": {"by": "ip", "limits": {"a": {}}}}`, `tiers.by: "ip" is not "header:NAME" or "claim:NAME"`},
		{`{"rate": 1, "tiers": {"by": "header:X-Tier"}}`, "tiers.limits must name at least one tier"},
		{`{"rate": 1, "tiers": {"by": "header:X-Tier", "limits": {"": {}}}}`, "invalid tier name"},
		{`{"rate": 1, "tiers": {"by": "header:X-Tier", "limits": {" vip": {}}}}`, "invalid tier name"},
		{`{"rate": 1, "tiers": {"by": "header:X-Tier", "limits": {"a\tb": {}}}}`, "invalid tier name"},
		{`{"rate": 1, "tiers": {"by": "header:X-Tier", "limits": {"vip": null}}}`, "tiers.limits.vip must be an object"},
		{`{"rate": 1, "tiers": {"by": "header:X-Tier", "limits": {"vip": {"rate": 0}}}}`, "tiers.limits.vip.rate must be between 1"},
		{`{"rate": 1, "tiers": {"by": "header:X-Tier", "limits": {"vip": {"per": "1us"}}}}`, "tiers.limits.vip.per must be"},
		{`{"rate": 1, "tiers": {"by": "header:X-Tier", "limits": {"vip": {"cost": 1}}}}`, "unknown field"},
		{`{"rate": 1, "algorithm": "sliding_window", "tiers": {"by": "header:X-Tier", "limits": {"vip": {"burst": 2}}}}`, "tiers.limits.vip.burst applies only"},
	}
	for _, tc := range tests {
		_, err := parse([]byte(tc.raw))
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("parse(%s) = %v, want an error containing %q", tc.raw, err, tc.msg)
		}
	}
}

func TestFillable(t *testing.T) {
	tests := []struct {
		l    sdk.Limit
		want bool
	}{
		{sdk.Limit{Rate: 1, Period: time.Second, Burst: 1}, true},
		{sdk.Limit{Rate: 1, Period: time.Duration(maxSpan), Burst: 1}, true},
		{sdk.Limit{Rate: 1, Period: time.Duration(maxSpan), Burst: 2}, false},
		{sdk.Limit{Rate: 2, Period: time.Duration(maxSpan), Burst: 2}, true},
		{sdk.Limit{Rate: 1, Period: time.Hour, Burst: 1 << 62}, false},
	}
	for _, tc := range tests {
		if got := fillable(tc.l); got != tc.want {
			t.Errorf("fillable(%+v) = %v, want %v", tc.l, got, tc.want)
		}
	}
}

func TestCanonical(t *testing.T) {
	for in, want := range map[string]string{
		"x-tenant": "X-Tenant", "X-TENANT": "X-Tenant", "x": "X", "a--b": "A--B",
		"x-claim-sub": "X-Claim-Sub", "1a-b2": "1a-B2", "a_b": "A_b",
	} {
		if got := sdk.CanonicalHeaderKey(in); got != want {
			t.Errorf("CanonicalHeaderKey(%q) = %q, want %q", in, got, want)
		}
	}
}
