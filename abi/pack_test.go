package abi_test

import (
	"math"
	"testing"

	"github.com/hostd/hostd/abi"
)

func TestPackFoundLen(t *testing.T) {
	for _, tc := range []struct {
		found bool
		n     uint32
		want  uint64
	}{
		{false, 0, 0},
		{false, 5, 5}, // not found never sets the high half
		{true, 0, 1 << 32},
		{true, 2, 0x1_0000_0002},
		{true, math.MaxUint32, 0x1_FFFF_FFFF},
	} {
		got := abi.PackFoundLen(tc.found, tc.n)
		if got != tc.want {
			t.Errorf("PackFoundLen(%v, %d) = %#x, want %#x", tc.found, tc.n, got, tc.want)
		}
		// A guest receives the i64 as a signed number; it must stay positive.
		if int64(got) < 0 {
			t.Errorf("PackFoundLen(%v, %d) is negative as an i64", tc.found, tc.n)
		}
	}
	// Any non-zero high half reads as found.
	if found, n := abi.UnpackFoundLen(2<<32 | 7); !found || n != 7 {
		t.Errorf("UnpackFoundLen(2<<32|7) = %v, %d; want true, 7", found, n)
	}
}

func TestPackCountLen(t *testing.T) {
	for _, tc := range []struct {
		count, n uint32
		want     uint64
	}{
		{0, 0, 0},
		{2, 14, 2<<32 | 14},
		{1000, 0, 1000 << 32},
		{math.MaxUint32, math.MaxUint32, math.MaxUint64},
	} {
		if got := abi.PackCountLen(tc.count, tc.n); got != tc.want {
			t.Errorf("PackCountLen(%d, %d) = %#x, want %#x", tc.count, tc.n, got, tc.want)
		}
		if c, n := abi.UnpackCountLen(tc.want); c != tc.count || n != tc.n {
			t.Errorf("UnpackCountLen(%#x) = %d, %d; want %d, %d", tc.want, c, n, tc.count, tc.n)
		}
	}
}

func TestPackStatusLen(t *testing.T) {
	for _, tc := range []struct {
		s    abi.Status
		n    uint32
		want uint64
	}{
		{abi.StatusOK, 0, 0},
		{abi.StatusOK, 7, 7},
		{abi.StatusTooLarge, 0, 4 << 32},
		{abi.StatusUnsupported, 0, 8 << 32},
		{abi.Status(math.MaxUint32), 1, 0xFFFF_FFFF_0000_0001},
	} {
		if got := abi.PackStatusLen(tc.s, tc.n); got != tc.want {
			t.Errorf("PackStatusLen(%v, %d) = %#x, want %#x", tc.s, tc.n, got, tc.want)
		}
		if s, n := abi.UnpackStatusLen(tc.want); s != tc.s || n != tc.n {
			t.Errorf("UnpackStatusLen(%#x) = %v, %d; want %v, %d", tc.want, s, n, tc.s, tc.n)
		}
	}
}

func FuzzFoundLen(f *testing.F) {
	f.Add(false, uint32(0), uint64(0))
	f.Add(true, uint32(2), uint64(1<<32|2))
	f.Add(true, uint32(math.MaxUint32), uint64(math.MaxUint64))
	f.Fuzz(func(t *testing.T, found bool, n uint32, v uint64) {
		if gf, gn := abi.UnpackFoundLen(abi.PackFoundLen(found, n)); gf != found || gn != n {
			t.Fatalf("Unpack(Pack(%v, %d)) = %v, %d", found, n, gf, gn)
		}
		gf, gn := abi.UnpackFoundLen(v)
		if gf != (v>>32 != 0) || gn != uint32(v) {
			t.Fatalf("UnpackFoundLen(%#x) = %v, %d", v, gf, gn)
		}
		// Every value a host can produce packs back to itself.
		if v>>32 <= 1 && abi.PackFoundLen(gf, gn) != v {
			t.Fatalf("Pack(Unpack(%#x)) = %#x", v, abi.PackFoundLen(gf, gn))
		}
	})
}

func FuzzCountLen(f *testing.F) {
	f.Add(uint32(0), uint32(0), uint64(0))
	f.Add(uint32(2), uint32(14), uint64(2<<32|14))
	f.Add(uint32(math.MaxUint32), uint32(1), uint64(math.MaxUint64))
	f.Fuzz(func(t *testing.T, count, n uint32, v uint64) {
		if gc, gn := abi.UnpackCountLen(abi.PackCountLen(count, n)); gc != count || gn != n {
			t.Fatalf("Unpack(Pack(%d, %d)) = %d, %d", count, n, gc, gn)
		}
		if got := abi.PackCountLen(abi.UnpackCountLen(v)); got != v {
			t.Fatalf("Pack(Unpack(%#x)) = %#x", v, got)
		}
	})
}

func FuzzStatusLen(f *testing.F) {
	f.Add(uint32(0), uint32(0), uint64(0))
	f.Add(uint32(abi.StatusTooLarge), uint32(0), uint64(4<<32))
	f.Add(uint32(math.MaxUint32), uint32(math.MaxUint32), uint64(math.MaxUint64))
	f.Fuzz(func(t *testing.T, status, n uint32, v uint64) {
		s := abi.Status(status)
		if gs, gn := abi.UnpackStatusLen(abi.PackStatusLen(s, n)); gs != s || gn != n {
			t.Fatalf("Unpack(Pack(%d, %d)) = %d, %d", s, n, gs, gn)
		}
		if got := abi.PackStatusLen(abi.UnpackStatusLen(v)); got != v {
			t.Fatalf("Pack(Unpack(%#x)) = %#x", v, got)
		}
	})
}
