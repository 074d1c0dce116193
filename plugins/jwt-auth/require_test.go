package main

import (
	"encoding/json"
	"testing"
)

// reqs parses a required_claims object.
func reqs(t *testing.T, js string) []requirement {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(js), &m); err != nil {
		t.Fatal(err)
	}
	r, err := parseRequirements(m)
	if err != nil {
		t.Fatalf("parseRequirements(%s): %v", js, err)
	}
	return r
}

func TestSatisfied(t *testing.T) {
	tests := []struct {
		name, required, claims string
		failed                 string // "" when satisfied
	}{
		{"no requirements", `{}`, `{"sub":"u"}`, ""},
		{"exact string", `{"tier":"gold"}`, `{"tier":"gold"}`, ""},
		{"exact string escaped in the token", `{"tier":"gold"}`, `{"tier":"g\u006fld"}`, ""},
		{"exact string escaped in the config", `{"tier":"g\u006fld"}`, `{"tier":"gold"}`, ""},
		{"exact string differs", `{"tier":"gold"}`, `{"tier":"silver"}`, "tier"},
		{"string is not a number", `{"level":"2"}`, `{"level":2}`, "level"},
		{"number is not a string", `{"level":2}`, `{"level":"2"}`, "level"},
		{"number", `{"level":2}`, `{"level":2}`, ""},
		{"number by value", `{"level":2}`, `{"level":2.0}`, ""},
		{"number exponent", `{"level":200}`, `{"level":2e2}`, ""},
		{"number differs", `{"level":2}`, `{"level":3}`, "level"},
		{"bool", `{"admin":true}`, `{"admin":true}`, ""},
		{"bool differs", `{"admin":true}`, `{"admin":false}`, "admin"},
		{"bool is not a string", `{"admin":true}`, `{"admin":"true"}`, "admin"},
		{"missing claim", `{"tier":"gold"}`, `{"sub":"u"}`, "tier"},
		{"exact on a list fails", `{"roles":"admin"}`, `{"roles":["admin"]}`, "roles"},
		{"null claim", `{"tier":"gold"}`, `{"tier":null}`, "tier"},
		{"contains one in list", `{"roles":{"contains":"admin"}}`, `{"roles":["user","admin"]}`, ""},
		{"contains one missing", `{"roles":{"contains":"admin"}}`, `{"roles":["user"]}`, "roles"},
		{"contains empty list", `{"roles":{"contains":"admin"}}`, `{"roles":[]}`, "roles"},
		{"contains all of", `{"roles":{"contains":["a","b"]}}`, `{"roles":["b","c","a"]}`, ""},
		{"contains not all of", `{"roles":{"contains":["a","b"]}}`, `{"roles":["a","c"]}`, "roles"},
		{"contains number", `{"groups":{"contains":7}}`, `{"groups":[1,7.0]}`, ""},
		{"contains skips nested", `{"roles":{"contains":"admin"}}`, `{"roles":[["admin"],{"r":"admin"}]}`, "roles"},
		{"scope string", `{"scope":{"contains":"write"}}`, `{"scope":"read write"}`, ""},
		{"scope string all of", `{"scope":{"contains":["read","write"]}}`, `{"scope":"write admin read"}`, ""},
		{"scope string missing", `{"scope":{"contains":["read","write"]}}`, `{"scope":"read"}`, "scope"},
		{"scope no prefix match", `{"scope":{"contains":"read"}}`, `{"scope":"reader readonly"}`, "scope"},
		{"scope extra spaces", `{"scope":{"contains":"write"}}`, `{"scope":" read  write "}`, ""},
		{"scope escaped", `{"scope":{"contains":"write"}}`, `{"scope":"read\u0020write"}`, ""},
		{"scope number never matches", `{"scope":{"contains":1}}`, `{"scope":"1"}`, "scope"},
		{"contains on scalar", `{"tier":{"contains":"gold"}}`, `{"tier":true}`, "tier"},
		{"contains missing claim", `{"scope":{"contains":"read"}}`, `{}`, "scope"},
		{"first failing claim by name", `{"b":"x","a":"x"}`, `{"a":"y","b":"y"}`, "a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			failed, ok := satisfied([]byte(tc.claims), reqs(t, tc.required))
			if ok != (tc.failed == "") || failed != tc.failed {
				t.Errorf("satisfied = %q, %v; want failed %q", failed, ok, tc.failed)
			}
		})
	}
}

func TestSatisfiedDoesNotAllocate(t *testing.T) {
	r := reqs(t, `{"scope":{"contains":["read","write"]},"tier":"gold","level":2,"roles":{"contains":"admin"}}`)
	claims := []byte(`{"sub":"u1","scope":"read write","tier":"gold","level":2,"roles":["user","admin"]}`)
	if n := testing.AllocsPerRun(100, func() {
		if _, ok := satisfied(claims, r); !ok {
			t.Fatal("not satisfied")
		}
	}); n != 0 {
		t.Errorf("%v allocations per check", n)
	}
}

func TestParseRequirementsErrors(t *testing.T) {
	for _, js := range []string{
		`{"a":null}`,
		`{"a":[1]}`,
		`{"a":{}}`,
		`{"a":{"contains":"x","other":1}}`,
		`{"a":{"has":"x"}}`,
		`{"a":{"contains":[]}}`,
		`{"a":{"contains":null}}`,
		`{"a":{"contains":[["x"]]}}`,
		`{"a":{"contains":{"x":1}}}`,
		`{"":"x"}`,
	} {
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(js), &m); err != nil {
			t.Fatal(err)
		}
		if _, err := parseRequirements(m); err == nil {
			t.Errorf("parseRequirements(%s) accepted", js)
		}
	}
}
