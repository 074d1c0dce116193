// Package examples holds the end-to-end tests of the example plugins. Each
// example (hello, headerfilter, counter) is a Go module of its own, as a
// plugin author's would be, depending only on the SDK; these tests build
// each one with the standard toolchain and run it in a real hostd.
package examples
