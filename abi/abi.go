package abi

const (
	// Version is the major version of this ABI. It is part of ModuleName and
	// of MarkerExport, so that a host can serve plugins of several major
	// versions side by side.
	Version = 1

	// ModuleName is the import module of every host function of ABI v1.
	//
	//	(import "hostd_v1" "get_path" (func ...))
	ModuleName = "hostd_v1"

	// MarkerExport is the name of the function a v1 guest must export to
	// declare that it speaks ABI v1. The host checks that it exists and has
	// the type () -> (); it never calls it.
	MarkerExport = "hostd_abi_v1"

	// MemoryExport is the name of the guest's exported linear memory. All
	// pointers passed to host functions are offsets into it.
	MemoryExport = "memory"

	// InitializeExport is the WASI reactor initialiser (emitted by
	// `go build -buildmode=c-shared` and TinyGo). When present, the host calls
	// it once, right after instantiation and before any callback.
	InitializeExport = "_initialize"

	// WASIModuleName is the only import module other than ModuleName that a
	// guest may import from. The host grants it no file system, network,
	// environment or arguments; see SPEC.md, "WASI".
	WASIModuleName = "wasi_snapshot_preview1"
)

// Guest exports (callbacks the host calls).
const (
	// ExportOnConfigure is called once per instance, after instantiation and
	// before the first request, while the guest may read its configuration
	// with get_config. It returns a Status: StatusOK accepts the
	// configuration; anything else rejects it (the route binding that
	// supplies the configuration is refused with a 422 naming the plugin;
	// an instance created later that rejects it is discarded and its
	// request fails). Optional.
	//
	//	(func (export "on_configure") (result i32))
	ExportOnConfigure = "on_configure"

	// ExportOnRequest is called once per request, in route order, before the
	// target. It returns an Action. Required.
	//
	//	(func (export "on_request") (result i32))
	ExportOnRequest = "on_request"

	// ExportOnResponse is called once per request, in reverse route order,
	// after the target produced a response, on the same instance that ran
	// on_request. It must return ActionContinue (other values are reserved
	// and ignored by v1 hosts). Optional.
	//
	//	(func (export "on_response") (result i32))
	ExportOnResponse = "on_response"

	// ExportOnMessage is called once per message delivered by a trigger
	// (messaging feature). It returns a Status: StatusOK acknowledges the
	// message, anything else asks for redelivery, unless the guest settled
	// the message itself with msg_settle. Optional; a plugin bound to a
	// trigger must export it.
	//
	//	(func (export "on_message") (result i32))
	ExportOnMessage = "on_message"
)
