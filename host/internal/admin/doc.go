// Package admin is hostd's admin HTTP API: a JSON API that uploads plugins,
// switches their active version and manages routes, plus /healthz, /readyz
// and /metrics. Admin tokens are signed and checked by package keyset.
//
// # Basics
//
//	key, err := admin.LoadOrCreateKey(dataDir)
//	// ...
//	h, err := admin.NewHandler(admin.Options{Control: ctl, Key: key, Logger: log})
//	// ...
//	srv := &http.Server{Addr: "127.0.0.1:8081", Handler: h}
//
// The host implements Control; the admin package decodes and validates the
// request, checks the caller's token and renders the result or the error.
//
// # Endpoints
//
//	GET    /healthz                 200 {"status":"ok"}                  no auth
//	GET    /readyz                  200 {"status":"ready"} or 503        no auth
//	GET    /metrics                 Options.Metrics                      viewer
//	GET    /v1/plugins              200 {"plugins":[...]}                viewer
//	GET    /v1/plugins/{name}       200 model.Plugin                     viewer
//	PUT    /v1/plugins/{name}       raw .wasm → 201 created / 200 same   admin
//	PUT    /v1/plugins/{name}/active {"version":N} → 200 model.Plugin    admin
//	DELETE /v1/plugins/{name}       204                                  admin
//	GET    /v1/routes               200 {"routes":[...]}                 viewer
//	GET    /v1/routes/{id}          200 model.Route                      viewer
//	PUT    /v1/routes/{id}          route JSON → 201 created / 200       admin
//	DELETE /v1/routes/{id}          204                                  admin
//	GET    /v1/keysets              200 {"keysets":[{name,keys}...]}     viewer
//	GET    /v1/keysets/{name}       200 {"name":...,"keys":[...]}        viewer
//	PUT    /v1/keysets/{name}       JWKS → 201 created / 200 replaced    admin
//	DELETE /v1/keysets/{name}       204, 409 while a route uses it       admin
//
// Key sets are shown with public material only: HMAC keys as kid, kty and
// alg, never their secret "k".
//
// Every error is {"error":{"code":"...","message":"..."}} with
// Content-Type application/json. Codes are stable; messages are for people.
// An *errs.Error from Control keeps its Code and maps its Kind to a status
// (Invalid 400, NotFound 404, Conflict 409, TooLarge 413, Unprocessable 422,
// Unavailable 503); any other error becomes 500 "internal" and its detail is
// only logged.
//
// # Authorisation
//
// /v1/* and /metrics need "Authorization: Bearer <token>", an HS256 JWT
// minted by MintToken with the key from LoadOrCreateKey (the CLI does this:
// hostd token --data-dir DIR). The token must carry iss "hostd", aud
// "hostd-admin", exp, and a role: "viewer" may read, "admin" may also write
// (PUT, POST, PATCH, DELETE). Clock skew of 30s is tolerated.
//
// # Concurrency
//
// The handler returned by NewHandler is safe for concurrent use; it calls
// Control from many goroutines at once.
//
// # Caveats
//
// Every response carries X-Request-ID (the caller's, when it is a short
// token, otherwise a random one). One info log line is written per request;
// tokens and bodies are never logged.
package admin
