// Command raw is a benchmark guest without the sdk package: its own
// exports (exports_wasm.go), and one send_response through the SDK's
// imports package.
package main

var body = []byte("hello, bob")

func main() {}
