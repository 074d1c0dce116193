package hostile

import (
	"github.com/hostd/hostd/internal/hostile/wasmgen"
)

// Indices every generated plugin shares: types, imports, the marker.
const (
	typeSendResponse = 0 // (i32 i32 i32) -> i32
	typeVoid         = 1 // () -> ()
	typeI32          = 2 // () -> i32
	typeI64          = 3 // () -> i64

	funcSendResponse = 0 // hostd_v1.send_response
	funcNow          = 1 // hostd_v1.now
	funcMarker       = 2 // hostd_abi_v1
	firstFree        = 3 // the first function a generator adds
)

// plugin is a hostd ABI v1 module under construction: send_response and now
// imported, one memory exported with "ok" at offset 0, the marker exported.
type plugin struct{ wasmgen.Module }

func newPlugin() *plugin {
	p := &plugin{wasmgen.Module{
		Types: []wasmgen.FuncType{
			{Params: []wasmgen.ValType{wasmgen.I32, wasmgen.I32, wasmgen.I32}, Results: []wasmgen.ValType{wasmgen.I32}},
			{},
			{Results: []wasmgen.ValType{wasmgen.I32}},
			{Results: []wasmgen.ValType{wasmgen.I64}},
		},
		Imports: []wasmgen.Import{
			{Module: "hostd_v1", Name: "send_response", Type: typeSendResponse},
			{Module: "hostd_v1", Name: "now", Type: typeI64},
		},
		Funcs:    []wasmgen.Func{{Type: typeVoid}},
		Memories: []wasmgen.Limits{{Min: 1}},
		Exports: []wasmgen.Export{
			{Name: "memory", Kind: wasmgen.ExportMemory},
			{Name: "hostd_abi_v1", Kind: wasmgen.ExportFunc, Index: funcMarker},
		},
		Data: []wasmgen.Data{{Offset: wasmgen.I32ConstExpr(0), Bytes: []byte("ok")}},
	}}
	return p
}

// add appends a defined function and returns its index.
func (p *plugin) add(f wasmgen.Func) uint32 {
	p.Funcs = append(p.Funcs, f)
	return uint32(len(p.Imports) + len(p.Funcs) - 1)
}

// export exports function idx as name.
func (p *plugin) export(name string, idx uint32) {
	p.Exports = append(p.Exports, wasmgen.Export{Name: name, Kind: wasmgen.ExportFunc, Index: idx})
}

// respondOK is code that answers 200 "ok" and returns respond (1).
func respondOK(c *wasmgen.Code) *wasmgen.Code {
	return c.I32Const(200).I32Const(0).I32Const(2).Call(funcSendResponse).Op(wasmgen.OpDrop).I32Const(1)
}

// onRequest adds and exports on_request: prefix, then answer 200 "ok".
func (p *plugin) onRequest(prefix []byte) {
	c := &wasmgen.Code{}
	c.Op(prefix...)
	p.export("on_request", p.add(wasmgen.Func{Type: typeI32, Code: respondOK(c).Bytes()}))
}

// Phase says where an attack runs.
type Phase int

// Where a call tree runs.
const (
	InRequest    Phase = iota // on_request
	InInitialize              // _initialize, at upload and for every instance
	InStart                   // the module's start function
)

func (ph Phase) String() string {
	return [...]string{"on_request", "_initialize", "start function"}[ph]
}

// CallTree is a module without a single loop whose call runs for 2^depth
// leaf calls: function i calls function i+1 twice, depth levels. wazero
// checks for cancellation only at loop headers, so the 443-byte
// version (depth 40) ran past its deadline forever. With hostLeaves the
// leaves call the host function now (which did not help either).
func CallTree(depth int, at Phase, hostLeaves bool) []byte {
	p := newPlugin()
	root := uint32(firstFree + 1) // after on_request, below
	if at == InRequest {
		var c wasmgen.Code
		p.onRequest(c.Call(root).Bytes())
	} else {
		p.onRequest(nil)
	}
	for i := 0; i < depth; i++ {
		var c wasmgen.Code
		switch {
		case i < depth-1:
			next := root + uint32(i) + 1
			c.Call(next).Call(next)
		case hostLeaves:
			c.Call(funcNow).Op(wasmgen.OpDrop)
		}
		p.add(wasmgen.Func{Type: typeVoid, Code: c.Bytes()})
	}
	switch at {
	case InInitialize:
		p.export("_initialize", root)
	case InStart:
		p.Start = &root
	}
	return p.Encode()
}

// Recursion is on_request calling a function that calls itself forever,
// with no loop: only a call-depth bound stops it. Each frame keeps locals
// i64 locals alive across the call (they are summed after it), so every
// frame really costs stack.
func Recursion(locals int) []byte {
	p := newPlugin()
	self := uint32(firstFree + 1)
	var body wasmgen.Code
	for i := 0; i < locals; i++ {
		body.Call(funcNow).LocalSet(uint32(i))
	}
	body.Call(self)
	body.I64Const(0)
	for i := 0; i < locals; i++ {
		body.LocalGet(uint32(i)).Op(wasmgen.OpI64Add)
	}
	body.Op(wasmgen.OpDrop)
	var c wasmgen.Code
	p.onRequest(c.Call(self).Bytes())
	p.add(wasmgen.Func{Type: typeVoid, Locals: []wasmgen.Local{{Count: uint32(locals), Type: wasmgen.I64}}, Code: body.Bytes()})
	return p.Encode()
}
