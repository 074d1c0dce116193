// Package benchguest holds the guests of host.BenchmarkGuestBreakdown: Go
// plugins that each do one more piece of examples/hello's work, so that the
// differences between their costs per request say where a Go guest's time
// goes. Each subdirectory is a plugin (package main), built with the
// plugin author's command:
//
//		GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o NAME.wasm .
//
//	  - empty: on_request registered with the SDK, returns Respond, sends
//	    nothing (the Go runtime's entry and exit plus SDK dispatch);
//	  - raw: its own exports, one send_response through the imports package
//	    only (no sdk package);
//	  - send: Response.Send of a constant body;
//	  - routevar: Request.RouteVar, then Send of a constant body;
//	  - header: Header().Set of constant strings, then Send of a constant body;
//	  - strings: examples/hello's request handler as it was written before the
//	    Append API (RouteVar, Header().Set, Send of greeting+", "+name).
package benchguest
