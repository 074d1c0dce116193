package hostile

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/hostd/hostd/internal/testwasm"
)

// TestGarbageUploads sends what is not a plugin: random bytes (with and
// without the wasm header), valid modules cut short at every length, and
// valid modules with one byte flipped at every offset. Each must be
// answered 400 not_wasm or 422 — or 200/201 when the flip left a valid
// module — within UploadBudget, and hostd must survive all of them.
func TestGarbageUploads(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if v, err := strconv.ParseUint(os.Getenv("HOSTILE_SEED"), 10, 64); err == nil {
		seed = v
	}
	t.Logf("seed %d (HOSTILE_SEED=%d repeats this run)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 0x686f73746c65))
	h := Start(t, Options{})

	type upload struct {
		what string
		wasm []byte
	}
	var ups []upload
	for i := 0; i < pick(20, 200); i++ {
		b := make([]byte, 1+rng.IntN(64<<10))
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		if i%2 == 1 {
			copy(b, "\x00asm\x01\x00\x00\x00")
		}
		ups = append(ups, upload{fmt.Sprintf("random %d bytes (header %v)", len(b), i%2 == 1), b})
	}
	for _, src := range []struct {
		name string
		wasm []byte
	}{{"hello", testwasm.Hello}, {"kv", testwasm.KV}, {"calltree8", CallTree(8, InRequest, true)}} {
		for n := 8; n < len(src.wasm); n += pick(3, 1) {
			ups = append(ups, upload{fmt.Sprintf("%s cut at %d of %d bytes", src.name, n, len(src.wasm)), src.wasm[:n]})
		}
		for off := 8; off < len(src.wasm); off += pick(2, 1) {
			b := append([]byte{}, src.wasm...)
			b[off] ^= byte(1 + rng.IntN(255))
			ups = append(ups, upload{fmt.Sprintf("%s with byte %d flipped (%#x→%#x)", src.name, off, src.wasm[off], b[off]), b})
		}
	}

	counts := map[string]int{}
	var slowest time.Duration
	for i, u := range ups {
		r := h.Upload(fmt.Sprintf("g%d", i), u.wasm, UploadBudget+time.Second)
		slowest = max(slowest, r.Took)
		ok := r.Is(400, "not_wasm") || r.Is(422, "") || r.Is(201, "") || r.Is(200, "")
		if !ok || r.Took > UploadBudget {
			t.Errorf("upload of %s: want 400 not_wasm, 422 (or 200/201 if still valid) within %s, got %s (%s)",
				u.what, UploadBudget, r, h.log.Grep(r.Header.Get("X-Request-ID")))
			if h.Alive() != nil {
				t.Fatalf("after the upload of %s: %v", u.what, h.Alive())
			}
			continue
		}
		counts[fmt.Sprintf("%d %s", r.Status, r.Code())]++
	}
	t.Logf("%d uploads, slowest %s: %v", len(ups), slowest.Round(time.Millisecond), counts)
	checkAlive(t, h, "after the garbage uploads")
}
