package engine

import "testing"

// TestGrantsKeyIsCollisionFree: grant sets that joined with "," and "|"
// to the same pool key (both characters pass subject validation) get
// different keys, so they never share instances.
func TestGrantsKeyIsCollisionFree(t *testing.T) {
	pairs := [][2]Grants{
		{{Publish: []string{"a", "b"}}, {Publish: []string{"a,b"}}},
		{{Publish: []string{"a|b"}}, {Publish: []string{"a"}, Request: []string{"b"}}},
		{{Publish: []string{"a"}, Request: []string{"b|"}}, {Publish: []string{"a|b"}}},
		{{Publish: []string{""}}, {}},
		{{Request: []string{"x"}}, {Publish: []string{"x"}}},
	}
	for _, p := range pairs {
		if p[0].Key() == p[1].Key() {
			t.Errorf("grants %+v and %+v share the key %q", p[0], p[1], p[0].Key())
		}
	}
}

// TestBindingKeyIsCollisionFree: bindings that differ in any field have
// different keys and identities; equal bindings have equal ones.
func TestBindingKeyIsCollisionFree(t *testing.T) {
	base := Binding{Plugin: "p", Version: 1, Config: []byte(`{}`)}
	variants := []Binding{
		base,
		{Plugin: "p", Version: 11, Config: []byte(`{}`)},
		{Plugin: "p1", Version: 1, Config: []byte(`{}`)},
		{Plugin: "p", Version: 1, Config: []byte(`{} `)},
		{Plugin: "p", Version: 1, Config: []byte(`{}`), KeySets: []string{"a"}},
		{Plugin: "p", Version: 1, Config: []byte(`{}`), KeySets: []string{"a", ""}},
		{Plugin: "p", Version: 1, Config: []byte(`{}`), Grants: Grants{Publish: []string{"a"}}},
		{Plugin: "p", Version: 1, Config: []byte(`{}`), KVNamespace: "a"},
	}
	seen := map[string]int{}
	ids := map[string]int{}
	for i, b := range variants {
		if j, dup := seen[b.Key()]; dup {
			t.Errorf("bindings %d and %d share a key", j, i)
		}
		if j, dup := ids[b.Identity()]; dup {
			t.Errorf("bindings %d and %d share an identity", j, i)
		}
		seen[b.Key()], ids[b.Identity()] = i, i
	}
	same := Binding{Plugin: "p", Version: 1, Config: []byte(`{}`)}
	if same.Key() != base.Key() || same.Identity() != base.Identity() {
		t.Error("equal bindings have different keys")
	}
}
