package registry

import (
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

func openBench(b *testing.B, noSync bool) *Registry {
	b.Helper()
	r, err := Open(filepath.Join(b.TempDir(), "bench.db"), Options{NoSync: noSync})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = r.Close() })
	return r
}

func BenchmarkKVGet(b *testing.B) {
	r := openBench(b, true)
	keys := make([][]byte, 1000)
	value := make([]byte, 128)
	for i := range keys {
		keys[i] = []byte("key-" + strconv.Itoa(i))
		if _, err := r.KVPut("bench", keys[i], value, 0, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, _, found, err := r.KVGet("bench", keys[i%len(keys)]); err != nil || !found {
			b.Fatal(found, err)
		}
		i++
	}
}

func BenchmarkKVPut(b *testing.B) {
	for _, noSync := range []bool{true, false} {
		b.Run("NoSync="+strconv.FormatBool(noSync), func(b *testing.B) {
			r := openBench(b, noSync)
			value := make([]byte, 128)
			key := []byte("key-000")
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				key[len(key)-1] = byte('0' + i%10)
				if _, err := r.KVPut("bench", key, value, time.Minute, nil); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkKVPutManyNamespaces writes into one of 200 namespaces, so that
// the per-namespace bookkeeping is a bucket of its own pages rather than
// inline data, and new keys keep arriving (the quota path of a new key).
func BenchmarkKVPutManyNamespaces(b *testing.B) {
	r := openBench(b, true)
	value := make([]byte, 128)
	for i := range 200 {
		if _, err := r.KVPut("ns-"+strconv.Itoa(i), []byte("k"), value, 0, nil); err != nil {
			b.Fatal(err)
		}
	}
	key := []byte("key-0000000")
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		copy(key[4:], strconv.Itoa(1000000+i%50000))
		if _, err := r.KVPut("ns-100", key, value, 0, nil); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
