package sdk

import (
	"net/url"
	"testing"
)

// TestQueryLookupMatchesNetURL compares queryLookup with the first value
// net/url parses for the same key.
func TestQueryLookupMatchesNetURL(t *testing.T) {
	queries := []string{
		"", "a=1", "a=1&a=2", "b=2&a=1", "a", "a=", "&&a=x&&", "a=%41%62c",
		"a=x+y", "a+b=1", "a%20b=2", "a=%zz&a=ok", "%zz=1&a=3", "a=%4", "a=100%",
		"name=J%C3%BCrgen", "x=1;a=2", "a=b=c", "=v&a=w", "A=upper&a=lower",
	}
	names := []string{"a", "a b", "name", "A", "", "missing"}
	for _, q := range queries {
		want, _ := url.ParseQuery(q)
		for _, name := range names {
			got, ok := queryLookup([]byte(q), name)
			vals, wantOK := want[name]
			if ok != wantOK || (ok && got != vals[0]) {
				t.Errorf("query %q name %q: got %q, %v; net/url %q", q, name, got, ok, vals)
			}
		}
	}
}
