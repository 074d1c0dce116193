package hostile

import (
	"testing"
	"time"
)

// TestCallTreeAtUpload puts the 40-level call tree in _initialize and in
// the module's start function. Both run when the upload instantiates the
// module: the upload must be refused with 422 plugin_start_failed or
// plugin_start_timeout within configure_timeout + Margin, nothing may be
// stored, /healthz and the admin API must answer meanwhile, and SIGTERM
// during such an upload must stop hostd.
func TestCallTreeAtUpload(t *testing.T) {
	for _, at := range []Phase{InInitialize, InStart} {
		t.Run(at.String(), func(t *testing.T) {
			wasm := CallTree(40, at, false)
			h := setup(t, nil)
			w := h.WatchHealth(100 * time.Millisecond)
			r := h.Upload("tree", wasm, ConfigureTimeout+Margin+time.Second)
			healthz, api := w.Stop()
			t.Logf("upload of the call tree in %s (%d bytes): %s", at, len(wasm), r)
			if !(r.Is(422, "plugin_start_failed") || r.Is(422, "plugin_start_timeout")) || r.Took > ConfigureTimeout+Margin {
				t.Errorf("upload with a call tree in %s: want 422 plugin_start_failed or plugin_start_timeout within configure_timeout %s + %s, got %s",
					at, ConfigureTimeout, Margin, r)
			}
			checkWatch(t, healthz, api)
			checkNotStored(t, h, "tree")
			checkAlive(t, h, "after the upload")
			checkTermDuringUpload(t, h, "tree2", wasm)
		})
	}
}

// checkNotStored asserts GET /v1/plugins/{name} is 404.
func checkNotStored(t *testing.T, h *Hostd, name string) {
	t.Helper()
	if r := h.Plugin(name); !r.Is(404, "") {
		t.Errorf("GET /v1/plugins/%s after a refused upload: want 404 (nothing stored), got %s", name, r)
	}
}

// checkTermDuringUpload starts uploading wasm, sends SIGTERM while it runs
// and asserts that hostd exits within ShutdownTimeout + ShutdownGrace.
func checkTermDuringUpload(t *testing.T, h *Hostd, name string, wasm []byte) {
	t.Helper()
	if h.Alive() != nil {
		return
	}
	done := make(chan Resp, 1)
	go func() { done <- h.Upload(name, wasm, ShutdownTimeout+ShutdownGrace+2*time.Second) }()
	time.Sleep(100 * time.Millisecond)
	exited, took := h.Term()
	r := <-done
	if !exited {
		t.Errorf("SIGTERM during the upload: want exit within shutdown_timeout %s + %s, still running after %s (upload: %s)",
			ShutdownTimeout, ShutdownGrace, took.Round(time.Millisecond), r)
		return
	}
	t.Logf("SIGTERM during the upload: exited after %s (upload: %s)", took.Round(time.Millisecond), r)
}
