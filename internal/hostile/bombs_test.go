package hostile

import (
	"strings"
	"testing"
	"time"

	"github.com/hostd/hostd/internal/hostile/wasmgen"
	"github.com/hostd/hostd/internal/testwasm"
)

// bomb is a compile-time bomb and the words of which one must appear in
// hostd's message (the dimension that is over its limit).
type bomb struct {
	name  string
	wasm  func() []byte
	words []string
	// unsupported: the bomb uses an encoding from a proposal after
	// WebAssembly 2.0, which hostd refuses as such (422 abi_mismatch,
	// "invalid module") rather than by its size.
	unsupported bool
}

// bombs lists the compile-time bombs. Sizes are far over any sane
// limit and still under the 32 MiB upload limit; -tags hostile_long makes
// the bulk ones bigger.
func bombs() []bomb {
	million := pick(1_000_000, 4_000_000)
	return []bomb{
		{"locals_2^32-1_in_one_function", func() []byte { return LocalsBomb(1<<32 - 1) }, []string{"local"}, false},
		{"locals_total", func() []byte { return LocalsTotal(pick(2000, 8000), 50_000) }, []string{"local"}, false},
		{"block_nesting", func() []byte { return Nesting(pick(100_000, 1_000_000), wasmgen.OpBlock) }, []string{"nest", "depth"}, false},
		{"loop_nesting", func() []byte { return Nesting(pick(100_000, 1_000_000), wasmgen.OpLoop) }, []string{"nest", "depth"}, false},
		{"br_table", func() []byte { return BrTable(pick(1_000_000, 8_000_000)) }, []string{"br_table"}, false},
		{"types", func() []byte { return ManyTypes(million) }, []string{"type"}, false},
		{"functions", func() []byte { return ManyFunctions(million) }, []string{"function"}, false},
		{"globals", func() []byte { return ManyGlobals(million) }, []string{"global"}, false},
		{"data_segments", func() []byte { return ManyDataSegments(million) }, []string{"data"}, false},
		{"element_segments", func() []byte { return ManyElemSegments(million) }, []string{"elem"}, false},
		{"huge_data_segment", func() []byte { return HugeData(24 << 20) }, []string{"data"}, false},
		{name: "table_ref_null_func", wasm: func() []byte { return BigTable(wasmgen.TableRefNull, 10_000_000) }, words: []string{"table"}, unsupported: true},
		{name: "table_init_expr", wasm: func() []byte { return BigTable(wasmgen.TableInit, 10_000_000) }, words: []string{"table"}, unsupported: true},
		{"table_grow_without_max", func() []byte { return TableGrow(0, 1<<31-1) }, []string{"table"}, false},
		{"memory_65536_pages", func() []byte { return HugeMemory(65536) }, []string{"memory"}, false},
		{"section_size_4GiB", SectionSizeLie, []string{"section"}, false},
		{"type_count_lies", func() []byte { return CountLie(wasmgen.SecType) }, []string{"type"}, false},
		{"function_count_lies", func() []byte { return CountLie(wasmgen.SecFunction) }, []string{"function"}, false},
		{"global_count_lies", func() []byte { return CountLie(wasmgen.SecGlobal) }, []string{"global"}, false},
		{"data_count_lies", func() []byte { return CountLie(wasmgen.SecDataCount) }, []string{"data"}, false},
	}
}

// TestCompileBombs uploads each bomb: it must be refused with 422
// module_over_limit within UploadBudget, with a message naming the
// dimension, nothing stored, and an unrelated admin write made meanwhile
// must complete within AdminWriteBudget while /healthz and admin reads keep
// answering. Each bomb gets its own hostd.
func TestCompileBombs(t *testing.T) {
	for _, b := range bombs() {
		t.Run(b.name, func(t *testing.T) {
			wasm := b.wasm()
			h := Start(t, Options{})
			h.MustUpload("hello", testwasm.Hello)

			w := h.WatchHealth(100 * time.Millisecond)
			up := make(chan Resp, 1)
			go func() { up <- h.Upload("bomb", wasm, UploadBudget+500*time.Millisecond) }()
			time.Sleep(100 * time.Millisecond)
			write := h.PutRoute("unrelated", Route("/unrelated", "hello", nil), AdminWriteBudget+500*time.Millisecond)
			r := <-up
			healthz, api := w.Stop()
			t.Logf("%s (%d bytes): upload %s; concurrent route write %s", b.name, len(wasm), r, write)

			code := "module_over_limit"
			if b.unsupported {
				code = "abi_mismatch"
			}
			if !r.Is(422, code) || r.Took > UploadBudget || !mentions(r.Message(), b.words) {
				t.Errorf("upload of %s (%d bytes): want 422 %s within %s naming %q, got %s",
					b.name, len(wasm), code, UploadBudget, strings.Join(b.words, " or "), r)
			}
			if !(write.Is(201, "") || write.Is(200, "")) || write.Took > AdminWriteBudget {
				t.Errorf("PUT /v1/routes/unrelated during the upload of %s: want 200/201 within %s, got %s",
					b.name, AdminWriteBudget, write)
			}
			checkWatch(t, healthz, api)
			checkAlive(t, h, "after the upload of "+b.name)
			checkNotStored(t, h, "bomb")
		})
	}
}

// TestCompileBombSIGTERM: SIGTERM while a slow-to-compile bomb is being
// uploaded must stop hostd within the shutdown timeout.
func TestCompileBombSIGTERM(t *testing.T) {
	h := Start(t, Options{})
	checkTermDuringUpload(t, h, "bomb", Nesting(100_000, wasmgen.OpLoop))
}

func mentions(msg string, words []string) bool {
	msg = strings.ToLower(msg)
	for _, w := range words {
		if strings.Contains(msg, w) {
			return true
		}
	}
	return false
}
