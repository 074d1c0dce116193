package sdk_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/sdk"
	"github.com/hostd/hostd/sdk/sdktest"
)

func TestAppendGetters(t *testing.T) {
	h := sdktest.New(t)
	h.Request.RemoteAddr = "198.51.100.7:5555"
	h.Request.Header.Set("X-One", "a")
	h.Request.Header["Cookie"] = []string{"a=1", "b=2"}
	long := strings.Repeat("v", 3000) // larger than the SDK's initial buffer
	h.Request.Header.Set("X-Long", long)
	h.RequestState = []byte("state")
	h.KV.Set("k", []byte("value"), 0)
	h.JWT = func(keyset, token, _ string) (string, abi.Status) {
		if keyset == "ks" && token == "good" {
			return `{"sub":"ann"}`, abi.StatusOK
		}
		return "bad signature", abi.StatusDenied
	}
	var got []string
	serve(t, h, func(req sdk.Request, _ sdk.Response) sdk.Action {
		hd := req.Header()
		pre := []byte("pre:")
		add := func(b []byte, ok bool) { got = append(got, string(b)+"|"+boolStr(ok)) }
		add(hd.AppendValue(pre, "x-one"))
		add(hd.AppendValue(pre, "X-Missing"))
		b, _ := hd.AppendValue(nil, "X-Long")
		got = append(got, boolStr(string(b) == long))
		b, n := hd.AppendValues(pre, "Cookie")
		add(b, n == 2)
		b, n = hd.AppendValues(pre, "X-Missing")
		add(b, n == 0)
		add(req.AppendRemoteAddr(pre), true)
		add(sdk.AppendRequestState(pre), true)
		v, rev, found, err := sdk.KV.AppendGet(pre, "k")
		add(v, found && rev > 0 && err == nil)
		v, _, found, err = sdk.KV.AppendGet(pre, "absent")
		add(v, !found && err == nil)
		c, err := sdk.AppendJWTClaims(pre, "ks", "good", nil)
		add(c, err == nil)
		c, err = sdk.AppendJWTClaims(pre, "ks", "forged", nil)
		var jerr *sdk.JWTError
		add(c, errors.As(err, &jerr) && jerr.Reason == "bad signature")
		return sdk.Continue
	})
	want := []string{"pre:a|true", "pre:|false", "true", "pre:a=1\x00b=2\x00|true", "pre:|true",
		"pre:198.51.100.7:5555|true", "pre:state|true", "pre:value|true", "pre:|true",
		`pre:{"sub":"ann"}|true`, "pre:|true"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}
