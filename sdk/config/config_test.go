package config

import (
	"strings"
	"testing"
)

func TestDecode(t *testing.T) {
	var v struct {
		Name string `json:"name"`
	}
	if err := Decode([]byte(` {"name":"x"} `), &v); err != nil || v.Name != "x" {
		t.Fatalf("Decode = %v, %+v", err, v)
	}
	for in, want := range map[string]string{
		``:                        "must be a JSON object",
		`[1]`:                     "must be a JSON object",
		`{"nme":"x"}`:             `unknown field "nme"`,
		`{"name":1}`:              "cannot unmarshal number",
		`{"name":"x"} {"name":2}`: "trailing data",
		`{"name":`:                "unexpected EOF",
	} {
		if err := Decode([]byte(in), &v); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Decode(%q) = %v, want %q", in, err, want)
		}
	}
}
