package bus

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name        string
		c           Config
		expectedErr string
	}{
		{"minimal", Config{StoreDir: "d"}, ""},
		{"no store dir", Config{}, "bus: store dir is required"},
		{"listen without credentials", Config{StoreDir: "d", Listen: "127.0.0.1:4222"},
			"bus: listen requires a token, user/password or a responder user"},
		{"listen with token", Config{StoreDir: "d", Listen: ":4222", Token: "t"}, ""},
		{"listen with user", Config{StoreDir: "d", Listen: ":4222", User: "u", Password: "p"}, ""},
		{"token and user", Config{StoreDir: "d", Token: "t", User: "u", Password: "p"},
			"bus: token and user/password are mutually exclusive"},
		{"user without password", Config{StoreDir: "d", User: "u"},
			"bus: user and password must be set together"},
		{"bad listen", Config{StoreDir: "d", Listen: "4222", Token: "t"},
			`bus: listen address "4222": address 4222: missing port in address`},
		{"bad port", Config{StoreDir: "d", Listen: "h:70000", Token: "t"},
			`bus: listen address "h:70000": bad port`},
		{"negative sync", Config{StoreDir: "d", SyncInterval: -time.Second},
			"bus: sync interval -1s is negative"},
		{"negative ready timeout", Config{StoreDir: "d", ReadyTimeout: -1},
			"bus: ready timeout -1ns is negative"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.c.Validate()
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.expectedErr {
				t.Errorf("Validate() = %q, want %q", got, tc.expectedErr)
			}
		})
	}
}

func TestStartRefusesInvalidConfig(t *testing.T) {
	_, err := Start(context.Background(), Config{StoreDir: t.TempDir(), Listen: "127.0.0.1:0"})
	if err == nil || err.Error() != "bus: listen requires a token, user/password or a responder user" {
		t.Fatalf("Start = %v", err)
	}
}

func TestListenRequiresAuth(t *testing.T) {
	tests := []struct {
		name  string
		c     Config
		good  nats.Option
		wrong nats.Option
	}{
		{"token", Config{Token: "s3cret"}, nats.Token("s3cret"), nats.Token("guess")},
		{"user", Config{User: "hostd", Password: "pw"}, nats.UserInfo("hostd", "pw"), nats.UserInfo("hostd", "guess")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.c.Listen = "127.0.0.1:0"
			b := startBus(t, tc.c)
			url := b.ClientURL()
			if !strings.HasPrefix(url, "nats://127.0.0.1:") || strings.HasSuffix(url, ":0") {
				t.Fatalf("ClientURL = %q", url)
			}
			nc, err := nats.Connect(url, tc.good, nats.Timeout(wait))
			if err != nil {
				t.Fatalf("connect with credentials: %v", err)
			}
			defer nc.Close()
			// The TCP client and the in-process connection share subjects.
			ch := collect(t, b, "from.tcp")
			if err := nc.Publish("from.tcp", []byte("hi")); err != nil {
				t.Fatal(err)
			}
			if got := receive(t, ch); got[1] != "hi" {
				t.Errorf("got %q", got)
			}
			for name, opt := range map[string]nats.Option{"none": nil, "wrong": tc.wrong} {
				opts := []nats.Option{nats.Timeout(wait)}
				if opt != nil {
					opts = append(opts, opt)
				}
				nc, err := nats.Connect(url, opts...)
				if err == nil {
					nc.Close()
					t.Errorf("connect with %s credentials succeeded", name)
				} else if !errors.Is(err, nats.ErrAuthorization) {
					t.Errorf("connect with %s credentials: %v, want authorization violation", name, err)
				}
			}
		})
	}
}
