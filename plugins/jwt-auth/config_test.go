package main

import (
	"reflect"
	"testing"
)

func TestParsePolicy(t *testing.T) {
	tests := []struct{ config, policy string }{
		{`{"keyset":"k"}`, `{"leeway_ms":30000}`},
		{`{"keyset":"k","issuer":"https://idp","audience":"api","algorithms":["RS256","ES256"],"leeway":"1m30s"}`,
			`{"issuer":"https://idp","audience":["api"],"algorithms":["RS256","ES256"],"leeway_ms":90000}`},
		{`{"keyset":"k","audience":["a","b"],"leeway":"0s"}`, `{"audience":["a","b"]}`},
		{`{"keyset":"k","leeway":"1500us"}`, `{"leeway_ms":1}`},
	}
	for _, tc := range tests {
		c, err := parse([]byte(tc.config))
		if err != nil {
			t.Errorf("parse(%s): %v", tc.config, err)
			continue
		}
		if string(c.policy) != tc.policy {
			t.Errorf("parse(%s) policy %s, want %s", tc.config, c.policy, tc.policy)
		}
	}
}

func TestParseSource(t *testing.T) {
	tests := []struct {
		config string
		want   source
	}{
		{`{"keyset":"k"}`, source{header: "Authorization", scheme: "Bearer"}},
		{`{"keyset":"k","token_from":{"header":"Authorization"}}`, source{header: "Authorization", scheme: "Bearer"}},
		{`{"keyset":"k","token_from":{"header":"Authorization","scheme":""}}`, source{header: "Authorization"}},
		{`{"keyset":"k","token_from":{"header":"X-Token"}}`, source{header: "X-Token"}},
		{`{"keyset":"k","token_from":{"header":"X-Token","scheme":"Bearer"}}`, source{header: "X-Token", scheme: "Bearer"}},
		{`{"keyset":"k","token_from":{"cookie":"session"}}`, source{cookie: "session"}},
	}
	for _, tc := range tests {
		c, err := parse([]byte(tc.config))
		if err != nil {
			t.Errorf("parse(%s): %v", tc.config, err)
			continue
		}
		if c.source != tc.want {
			t.Errorf("parse(%s) source %+v, want %+v", tc.config, c.source, tc.want)
		}
	}
}

func TestParseForwards(t *testing.T) {
	c, err := parse([]byte(`{"keyset":"k","forward_claims":{"tier":"X-Tier","sub":"X-User","aud":"X-Aud"}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []forward{{"aud", "X-Aud"}, {"tier", "X-Tier"}, {"sub", "X-User"}}
	if !reflect.DeepEqual(c.forwards, want) {
		t.Errorf("forwards %v, want %v", c.forwards, want)
	}
}

// invalidConfigs are rejected by parse; TestInvalidConfig checks them
// through on_configure too.
var invalidConfigs = []string{
	``,
	`[]`,
	`"x"`,
	`{}`,
	`{"keyset":""}`,
	`{"keyset":1}`,
	`{"keyset":"k","unknown":true}`,
	`{"keyset":"k"} {}`,
	`{"keyset":"k","issuer":""}`,
	`{"keyset":"k","issuer":7}`,
	`{"keyset":"k","audience":""}`,
	`{"keyset":"k","audience":[]}`,
	`{"keyset":"k","audience":["a",""]}`,
	`{"keyset":"k","audience":5}`,
	`{"keyset":"k","audience":null}`,
	`{"keyset":"k","algorithms":[]}`,
	`{"keyset":"k","algorithms":["none"]}`,
	`{"keyset":"k","algorithms":["NONE"]}`,
	`{"keyset":"k","algorithms":["RS256","XS256"]}`,
	`{"keyset":"k","algorithms":"RS256"}`,
	`{"keyset":"k","leeway":"-1s"}`,
	`{"keyset":"k","leeway":"soon"}`,
	`{"keyset":"k","leeway":30}`,
	`{"keyset":"k","token_from":{}}`,
	`{"keyset":"k","token_from":{"scheme":"Bearer"}}`,
	`{"keyset":"k","token_from":{"header":"bad name"}}`,
	`{"keyset":"k","token_from":{"header":"X-T","scheme":"Bear er"}}`,
	`{"keyset":"k","token_from":{"cookie":"s","header":"X-T"}}`,
	`{"keyset":"k","token_from":{"cookie":"s","scheme":"Bearer"}}`,
	`{"keyset":"k","token_from":{"cookie":"a=b"}}`,
	`{"keyset":"k","token_from":{"query":"t"}}`,
	`{"keyset":"k","required_claims":{"a":null}}`,
	`{"keyset":"k","required_claims":{"a":{"contains":[]}}}`,
	`{"keyset":"k","required_claims":["a"]}`,
	`{"keyset":"k","forward_claims":{"sub":"X User"}}`,
	`{"keyset":"k","forward_claims":{"":"X-User"}}`,
	`{"keyset":"k","forward_claims":{"sub":"X-User","uid":"x-user"}}`,
	`{"keyset":"k","forward_claims":{"sub":1}}`,
}

func TestParseInvalid(t *testing.T) {
	for _, config := range invalidConfigs {
		if _, err := parse([]byte(config)); err == nil {
			t.Errorf("parse(%s) accepted", config)
		}
	}
}
