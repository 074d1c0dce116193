package hostile

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hostd/hostd/internal/hostile/wabt"
)

// TestKVQuota: a guest puts fresh keys with 256 KiB values in a loop, on
// request after request (the issue saw registry.db grow by 67 MB per
// second). kv_put must start refusing — the guest answers 507 "kv_put
// status N" — before registry.db grows past its size at the start (the
// built-in plugins alone make it ~37 MiB) + KVQuotaBytes + KVFileSlack,
// the file must stop growing, and admin writes must still work.
func TestKVQuota(t *testing.T) {
	kvQuota(t, 256<<10, 16, pick(40, 80))
}

// kvQuota runs the KV fill attack with values of valueSize bytes, at most
// puts per request, for at most requests requests.
func kvQuota(t *testing.T, valueSize, puts, requests int) {
	h := setup(t, nil)
	h.MustUpload("fill", wabt.Compile(t, KVFillWAT(valueSize, puts)))
	h.MustRoute("fill", "/fill", "fill", nil)
	db := filepath.Join(h.DataDir, "registry.db")
	start := fileSize(t, db)
	bound := start + KVQuotaBytes + KVFileSlack

	w := h.WatchHealth(100 * time.Millisecond)
	defer func() {
		healthz, api := w.Stop()
		checkWatch(t, healthz, api)
	}()
	var refusal Resp
	refusedAt, after, keys := -1, 0, 0
	var sizes []string
	for i := 0; i < requests; i++ {
		r := h.Data("/fill", deadlineBound+2*time.Second)
		size := fileSize(t, db)
		if n, err := strconv.Atoi(string(r.Body)); r.Status == 200 && err == nil {
			keys += n
		}
		sizes = append(sizes, fmt.Sprintf("%d:%s→%.0fMiB", i+1, short(r), float64(size)/(1<<20)))
		if keys > KVQuotaKeys+KVQuotaKeys/10 {
			t.Fatalf("KV fill: %d keys written in %d requests, past the key quota %d + 10%%, without a refusal", keys, i+1, KVQuotaKeys)
		}
		if size > bound {
			t.Fatalf("KV fill: registry.db grew to %s (from %s) after %d requests (%d keys), past the bound %s = start + quota %s + slack %s, without a refusal; requests: %s",
				MiB(uint64(size)), MiB(uint64(start)), i+1, keys, MiB(uint64(bound)), MiB(KVQuotaBytes), MiB(KVFileSlack), strings.Join(sizes, " "))
		}
		if r.Status == 507 && strings.HasPrefix(string(r.Body), "kv_put status ") {
			if refusedAt < 0 {
				refusedAt, refusal = i+1, r
			}
			if after++; after >= 5 {
				break
			}
		}
	}
	t.Logf("KV fill (%d-byte values, ≤%d puts a request): %d keys, registry.db %s → %s; requests: %s",
		valueSize, puts, keys, MiB(uint64(start)), MiB(uint64(fileSize(t, db))), strings.Join(sizes, " "))
	if refusedAt < 0 {
		t.Fatalf("KV fill: no kv_put refusal in %d requests (%d keys, registry.db %s, bound %s)",
			requests, keys, MiB(uint64(fileSize(t, db))), MiB(uint64(bound)))
	}
	t.Logf("first refusal at request %d: %s", refusedAt, refusal)
	before := fileSize(t, db)
	for i := 0; i < 3; i++ {
		if r := h.Data("/fill", deadlineBound+2*time.Second); r.Status != 507 {
			t.Errorf("KV fill after the quota was reached: want 507 kv_put status …, got %s", r)
		}
	}
	if grown := fileSize(t, db) - before; grown > 1<<20 {
		t.Errorf("KV fill after the quota was reached: registry.db still grew by %s in 3 requests", MiB(uint64(grown)))
	}
	if r := h.PutRoute("unrelated", Route("/unrelated", "hello", nil), AdminWriteBudget+time.Second); !(r.Is(201, "") || r.Is(200, "")) || r.Took > AdminWriteBudget {
		t.Errorf("admin write after the KV quota was reached: want 201 within %s, got %s", AdminWriteBudget, r)
	}
	checkAlive(t, h, "after the KV fill")
}

func short(r Resp) string {
	if r.Err != nil {
		return "none"
	}
	return fmt.Sprint(r.Status)
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("KV fill: %v", err)
	}
	return fi.Size()
}
