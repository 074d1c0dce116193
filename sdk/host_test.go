package sdk_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/sdk"
	"github.com/hostd/hostd/sdk/sdktest"
)

func TestConfigure(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		want    abi.Status
		wantLog string
	}{
		{"accepted", nil, abi.StatusOK, ""},
		{"rejected", errors.New("greeting must be a string"), abi.StatusInvalidArgument, "configure: greeting must be a string"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := sdktest.New(t)
			h.Config = []byte(`{"k":"v"}`)
			var got []byte
			sdk.HandleConfigure(func(c []byte) error { got = c; return tc.err })
			if st := h.CallConfigure(); st != tc.want {
				t.Errorf("status %v, want %v", st, tc.want)
			}
			if string(got) != `{"k":"v"}` {
				t.Errorf("config %q", got)
			}
			if tc.wantLog != "" && !h.Logged(abi.LogLevelError, tc.wantLog) {
				t.Errorf("logs %v, want %q", h.Logs, tc.wantLog)
			}
		})
	}
}

func TestLogging(t *testing.T) {
	h := sdktest.New(t)
	h.MinLogLevel = abi.LogLevelInfo
	var debugOn, warnOn bool
	sdk.HandleConfigure(func([]byte) error {
		sdk.Debug("hidden")
		sdk.Info("i")
		sdk.Warn("w")
		sdk.Error("e")
		debugOn, warnOn = sdk.LogEnabled(abi.LogLevelDebug), sdk.LogEnabled(abi.LogLevelWarn)
		return nil
	})
	h.CallConfigure()
	want := []sdktest.LogLine{
		{Level: abi.LogLevelInfo, Message: "i"},
		{Level: abi.LogLevelWarn, Message: "w"},
		{Level: abi.LogLevelError, Message: "e"},
	}
	if len(h.Logs) != len(want) {
		t.Fatalf("logs %v, want %v", h.Logs, want)
	}
	for i := range want {
		if h.Logs[i] != want[i] {
			t.Errorf("log %d = %v, want %v", i, h.Logs[i], want[i])
		}
	}
	if debugOn || !warnOn {
		t.Errorf("LogEnabled debug=%v warn=%v", debugOn, warnOn)
	}
}

func TestNowRandomFeatures(t *testing.T) {
	h := sdktest.New(t)
	at := time.Date(2030, 1, 2, 3, 4, 5, 6, time.UTC)
	h.Clock = func() time.Time { return at }
	h.Rand = bytes.NewReader(bytes.Repeat([]byte{7}, 200_000))
	h.Offered = abi.FeatureKV
	var now time.Time
	buf := make([]byte, 150_000) // over the host's 64 KiB per call
	var features abi.Features
	sdk.HandleConfigure(func([]byte) error {
		now = sdk.Now()
		sdk.Random(buf)
		features = sdk.EnableFeatures(abi.FeatureKV | abi.FeatureJWT)
		return nil
	})
	h.CallConfigure()
	if !now.Equal(at) {
		t.Errorf("Now = %v, want %v", now, at)
	}
	if !bytes.Equal(buf, bytes.Repeat([]byte{7}, len(buf))) {
		t.Error("Random did not fill the whole buffer")
	}
	if features != abi.FeatureKV {
		t.Errorf("features %v, want kv", features)
	}
}

// recorder catches the Fatalf of a trapped call so that a test can check
// it.
type recorder struct {
	testing.TB
	fatal string
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.fatal = fmt.Sprintf(format, args...)
	panic(r)
}

func TestPhaseMisuseTraps(t *testing.T) {
	rec := &recorder{TB: t}
	h := sdktest.New(rec)
	sdk.HandleResponse(func(req sdk.Request, _ sdk.Response) {
		req.Header().Set("X-Late", "1") // request headers are read-only here
	})
	t.Cleanup(func() { sdk.HandleResponse(func(sdk.Request, sdk.Response) {}) })
	func() {
		defer func() {
			if r := recover(); r != rec {
				t.Fatalf("recovered %v", r)
			}
		}()
		h.CallResponse()
	}()
	if !strings.Contains(rec.fatal, "trapped in on_response") || !strings.Contains(rec.fatal, "set_header") {
		t.Errorf("fatal %q", rec.fatal)
	}
}
