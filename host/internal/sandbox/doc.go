// Package sandbox makes an untrusted WebAssembly module safe to hand to
// wazero. Parse decodes all of it (every section, every instruction of
// WebAssembly 2.0, nothing after it) and refuses a module that is over a
// Limit on any dimension that drives the time or memory compiling or
// instantiating it would cost, before allocating for it. Instrument then
// rewrites it so that every call can be interrupted and its stack is
// bounded: fuel checks at function entries, loop headers, call returns
// and bulk instructions call the host's yield when the fuel runs out;
// frames are charged to a stack budget; bulk memory instructions are
// split into chunks. The host side (yield, the budgets) is in package
// engine; RELIABILITY.md explains the whole.
//
// The package has no dependency; its tests run the rewritten modules on
// wazero to check that they stay valid and behave as the originals.
package sandbox
