package abi

// Several host functions return two 32-bit values packed into one i64 as
// hi<<32 | lo, so that a guest needs no out-pointer for the common case.

// PackFoundLen packs a FoundLen result: found in the high half (0 or 1),
// the byte length of the value in the low half.
func PackFoundLen(found bool, n uint32) uint64 {
	if !found {
		return uint64(n)
	}
	return 1<<32 | uint64(n)
}

// UnpackFoundLen splits a FoundLen result.
func UnpackFoundLen(v uint64) (found bool, n uint32) { return v>>32 != 0, uint32(v) }

// PackCountLen packs a CountLen result: the number of items in the high
// half, the byte length of their encoding in the low half.
func PackCountLen(count, n uint32) uint64 { return uint64(count)<<32 | uint64(n) }

// UnpackCountLen splits a CountLen result.
func UnpackCountLen(v uint64) (count, n uint32) { return uint32(v >> 32), uint32(v) }

// PackStatusLen packs a StatusLen result: a Status in the high half, the
// byte length of the value in the low half.
func PackStatusLen(s Status, n uint32) uint64 { return uint64(s)<<32 | uint64(n) }

// UnpackStatusLen splits a StatusLen result.
func UnpackStatusLen(v uint64) (s Status, n uint32) { return Status(v >> 32), uint32(v) }
