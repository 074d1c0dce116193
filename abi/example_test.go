package abi_test

import (
	"fmt"

	"github.com/hostd/hostd/abi"
)

// A host answers get_header for a 2-byte value with a FoundLen; the guest
// splits it to learn whether the header exists and how long it is.
func ExamplePackFoundLen() {
	v := abi.PackFoundLen(true, 2)
	fmt.Printf("%#x\n", v)
	found, n := abi.UnpackFoundLen(v)
	fmt.Println(found, n)
	fmt.Println(abi.UnpackFoundLen(abi.PackFoundLen(false, 0)))
	// Output:
	// 0x100000002
	// true 2
	// false 0
}

// get_body over the body limit reports StatusTooLarge in the high half.
func ExampleUnpackStatusLen() {
	s, n := abi.UnpackStatusLen(abi.PackStatusLen(abi.StatusTooLarge, 0))
	fmt.Println(s, n)
	s, n = abi.UnpackStatusLen(7)
	fmt.Println(s, n)
	// Output:
	// too_large 0
	// ok 7
}

// Features print as their names joined with "|"; unknown bits are not
// named.
func ExampleFeatures_String() {
	f := abi.FeatureKV.WithEnabled(abi.FeatureBufferResponse)
	fmt.Println(f)
	fmt.Println(f.IsEnabled(abi.FeatureKV), f.IsEnabled(abi.FeatureJWT))
	fmt.Printf("%q\n", abi.Features(0).String())
	fmt.Println(abi.FeatureMessaging | 1<<40)
	// Output:
	// kv|buffer_response
	// true false
	// ""
	// messaging
}
