package main

import (
	"encoding/json"
	"slices"
	"testing"
)

// stdRecord is what the filter did before readRecord: encoding/json and
// validate.
func stdRecord(v []byte, scope string) (client string, hasScope, ok bool) {
	var r record
	if err := json.Unmarshal(v, &r); err != nil || r.validate() != nil {
		return "", false, false
	}
	return r.Client, scope == "" || slices.Contains(r.Scopes, scope), true
}

var recordCases = []struct {
	v     string
	scope string
	ok    bool
}{
	{`{"client":"acme","scopes":["read","write"]}`, "write", true},
	{`{"client":"acme","scopes":["read","write"]}`, "admin", true},
	{`{"client":"acme","scopes":[]}`, "", true},
	{`{"client":"acme"}`, "read", true},
	{`{"client":"acme","scopes":null}`, "", true},
	{` { "scopes" : [ "r" , "w" ] , "client" : "acme corp" } `, "w", true},
	{`{"client":"a\u003cb\u003e \u0026 \"q\" \\ \/","scopes":["\u0072ead"]}`, "read", true},
	{`not json`, "", false},
	{``, "", false},
	{`null`, "", false},
	{`[]`, "", false},
	{`{}`, "", false},
	{`{"client":""}`, "", false},
	{`{"client":null}`, "", false},
	{`{"client":1}`, "", false},
	{`{"client":"a\nb"}`, "", false},
	{`{"client":"a` + "\n" + `b"}`, "", false},
	{`{"client":"a\u0001"}`, "", false},
	{`{"client":"caf\u00e9"}`, "", false},
	{"{\"client\":\"caf\xc3\xa9\"}", "", false},
	{"{\"client\":\"a\x7f\"}", "", false},
	{`{"client":"a","scopes":["x y"]}`, "", false},
	{`{"client":"a","scopes":[""]}`, "", false},
	{`{"client":"a","scopes":[null]}`, "", false},
	{`{"client":"a","scopes":"read"}`, "read", false},
	{`{"client":"a","scopes":[1]}`, "", false},
	{`{"client":"a"} x`, "", false},
	{`{"client":"a",}`, "", false},
	{`{"client":"a" "scopes":[]}`, "", false},
	{`{"client":"a","scopes":["r",]}`, "", false},
	{`{"client":"a\x"}`, "", false},
	{`{"client":"a`, "", false},
}

func TestReadRecordAgreesWithEncodingJSON(t *testing.T) {
	for _, tc := range recordCases {
		client, has, ok := readRecord([]byte(tc.v), tc.scope)
		sc, shas, sok := stdRecord([]byte(tc.v), tc.scope)
		if ok != tc.ok || sok != tc.ok {
			t.Errorf("%s: readRecord ok %v, encoding/json ok %v; want %v", tc.v, ok, sok, tc.ok)
			continue
		}
		if ok && (string(client) != sc || has != shas) {
			t.Errorf("%s scope %q: readRecord %q %v, encoding/json %q %v", tc.v, tc.scope, client, has, sc, shas)
		}
	}
}

// TestReadRecordStricter lists what readRecord rejects although
// encoding/json and validate accept it: records provision never writes.
func TestReadRecordStricter(t *testing.T) {
	for _, v := range []string{`{"Client":"acme"}`, `{"client":"a","client":"b"}`, `{"client":"a","scopes":[],"scopes":[]}`,
		`{"client":"a","note":1}`, `{"client":"a","sCoPes":[]}`} {
		if _, _, ok := readRecord([]byte(v), ""); ok {
			t.Errorf("%s accepted", v)
		}
		if _, _, ok := stdRecord([]byte(v), ""); !ok {
			t.Errorf("%s: encoding/json rejects it: move it to recordCases", v)
		}
	}
}

func TestReadRecordDoesNotAllocate(t *testing.T) {
	v := []byte(`{"client":"acme \u003ccorp\u003e","scopes":["read","write"]}`)
	readRecord(v, "write") // the buffers grow
	if n := testing.AllocsPerRun(100, func() {
		if c, has, ok := readRecord(v, "write"); !ok || !has || string(c) != "acme <corp>" {
			t.Fatalf("readRecord: %q %v %v", c, has, ok)
		}
	}); n != 0 {
		t.Errorf("%v allocations per run", n)
	}
}

// FuzzReadRecord checks that what readRecord accepts, encoding/json and
// validate accept with the same client and scope answer.
func FuzzReadRecord(f *testing.F) {
	for _, tc := range recordCases {
		f.Add(tc.v, tc.scope)
	}
	f.Fuzz(func(t *testing.T, v, scope string) {
		client, has, ok := readRecord([]byte(v), scope)
		if !ok {
			return
		}
		sc, shas, sok := stdRecord([]byte(v), scope)
		if !sok || string(client) != sc || has != shas {
			t.Errorf("%q scope %q: readRecord %q %v, encoding/json %q %v %v", v, scope, client, has, sc, shas, sok)
		}
	})
}
