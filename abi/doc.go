// Package abi is the contract between hostd and its WebAssembly plugins,
// version 1: the import module name, the names and signatures of every host
// function and guest export, and the numbers (status codes, actions, header
// kinds, log levels, feature bits) that cross the boundary.
//
// SPEC.md in this directory is the normative text; this package mirrors it
// in Go so that the host and the guest SDK share one source of truth. The
// golden test in abi_test.go pins every name and number: a change that makes
// it fail is an ABI change and needs a version decision (see SPEC.md,
// "Compatibility").
//
// The package imports only the standard library, so a plugin author's module
// can depend on it without pulling any part of the host.
package abi
