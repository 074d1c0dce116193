package upstream

import (
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name        string
		cfg         Config
		expectedErr string
	}{
		{name: "minimal", cfg: Config{Targets: []string{"http://127.0.0.1:9001"}}},
		{name: "full", cfg: Config{Targets: []string{"http://a:1/p?q=1", "https://b"}, Balance: LeastRequests,
			Timeout: time.Second, FailureThreshold: 3, Cooldown: time.Second, Retries: NoRetries}},
		{name: "no targets", cfg: Config{},
			expectedErr: "upstream.targets: at least one target is required"},
		{name: "every problem at once",
			cfg: Config{
				Targets: []string{"http://ok:1", "ftp://x", "http://", "http://u:p@h", "http://h/#f",
					"://x", "127.0.0.1:9001", "http://ok:1"},
				Balance: "fastest", Timeout: -1, FailureThreshold: -1, Cooldown: -1, Retries: -2,
			},
			expectedErr: strings.Join([]string{
				`upstream.targets[1]: "ftp://x": scheme must be http or https`,
				`upstream.targets[2]: "http://": host is missing`,
				`upstream.targets[3]: "http://u:p@h": credentials in the URL are not supported`,
				`upstream.targets[4]: "http://h/#f": a fragment is not allowed`,
				`upstream.targets[5]: "://x" is not a URL`,
				`upstream.targets[6]: "127.0.0.1:9001" is not a URL`,
				`upstream.targets[7]: duplicate of upstream.targets[0]`,
				`upstream.balance: "fastest" is not one of "round_robin", "random", "least_requests"`,
				`upstream.timeout: must not be negative`,
				`upstream.failure_threshold: must not be negative`,
				`upstream.cooldown: must not be negative`,
				`upstream.retries: must be -1 (none), 0 (default) or more`,
			}, "\n"),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Validate(tc.cfg)
			if tc.expectedErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if _, err := New(tc.cfg, nil); err != nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil || err.Error() != tc.expectedErr {
				t.Fatalf("error:\n%v\nwant:\n%s", err, tc.expectedErr)
			}
			if _, err := New(tc.cfg, nil); err == nil || err.Error() != tc.expectedErr {
				t.Fatalf("New error: %v", err)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	c := Config{Targets: []string{"http://a"}}.withDefaults()
	if c.Balance != RoundRobin || c.Timeout != DefaultTimeout || c.FailureThreshold != DefaultFailureThreshold ||
		c.Cooldown != DefaultCooldown || c.Retries != DefaultRetries || c.Now == nil {
		t.Fatalf("defaults %+v", c)
	}
	if c := (Config{Retries: NoRetries}).withDefaults(); c.Retries != 0 {
		t.Fatalf("NoRetries became %d", c.Retries)
	}
}
