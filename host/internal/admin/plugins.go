package admin

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"regexp"

	"github.com/hostd/hostd/host/internal/model"
)

var pluginNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)

// wasmHeader is the Wasm magic "\0asm" followed by binary format version 1.
var wasmHeader = []byte{0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00}

// pluginName returns the {name} path value, or a 400 "invalid_name".
func pluginName(r *http.Request) (string, error) {
	name := r.PathValue("name")
	if !pluginNameRE.MatchString(name) {
		return "", newError(http.StatusBadRequest, "invalid_name",
			"plugin name %q is invalid; use 1-63 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit", name)
	}
	return name, nil
}

// uploadResponse is a PluginVersion and whether it is now the active one.
type uploadResponse struct {
	model.PluginVersion
	Active bool `json:"active"`
}

// uploadPlugin handles PUT /v1/plugins/{name}: the body is the raw module.
func (s *server) uploadPlugin(w http.ResponseWriter, r *http.Request) error {
	name, err := pluginName(r)
	if err != nil {
		return err
	}
	activate, err := boolParam(r, "activate", true)
	if err != nil {
		return err
	}
	replace, err := boolParam(r, "replace_builtin", false)
	if err != nil {
		return err
	}
	wasm, err := s.readModule(w, r)
	if err != nil {
		return err
	}
	v, created, err := s.ctl.UploadPlugin(r.Context(), name, wasm, UploadOptions{Activate: activate, ReplaceBuiltin: replace})
	if err != nil {
		return err
	}
	infoFrom(r.Context()).version = v.Version
	writeStored(w, created, uploadResponse{PluginVersion: v, Active: s.isActive(r, v, activate)})
	return nil
}

// isActive reports whether v is the plugin's active version, asking
// Control; if that fails it assumes the upload did what was asked.
func (s *server) isActive(r *http.Request, v model.PluginVersion, activate bool) bool {
	p, err := s.ctl.Plugin(r.Context(), v.Name)
	if err != nil {
		s.log.WarnContext(r.Context(), "admin: reading plugin after upload", "plugin", v.Name, "err", err.Error())
		return activate
	}
	return p.ActiveVersion == v.Version
}

// UploadOptions are the query parameters of an upload.
type UploadOptions struct {
	// Activate makes the upload the active version (?activate, default
	// true).
	Activate bool
	// ReplaceBuiltin allows bytes other than hostd's own under the name of
	// a built-in plugin (?replace_builtin, default false): such an upload
	// changes the protection of every route using the built-in.
	ReplaceBuiltin bool
}

// boolParam reads ?name=true|false, given at most once (default def).
func boolParam(r *http.Request, name string, def bool) (bool, error) {
	vals, ok := r.URL.Query()[name]
	if !ok {
		return def, nil
	}
	if len(vals) == 1 {
		switch vals[0] {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	}
	return false, newError(http.StatusBadRequest, "invalid_query",
		"query parameter %s must be true or false, once", name)
}

// readModule reads the upload body within MaxUploadBytes and checks that it
// starts like a Wasm binary module.
func (s *server) readModule(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.ContentLength > s.maxUpload {
		return nil, s.uploadTooLarge()
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxUpload))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, s.uploadTooLarge()
		}
		return nil, newError(http.StatusBadRequest, "bad_body", "could not read the request body: %v", err)
	}
	if len(body) == 0 {
		return nil, newError(http.StatusBadRequest, "empty_body",
			"the request body is empty; send the .wasm file as the body")
	}
	if !bytes.HasPrefix(body, wasmHeader) {
		return nil, newError(http.StatusBadRequest, "not_wasm",
			"the body is not a WebAssembly binary module (it must start with \\0asm and version 1); upload the compiled .wasm file, not .wat or source")
	}
	return body, nil
}

// uploadTooLarge is the 413 for an upload over the limit.
func (s *server) uploadTooLarge() error {
	return newError(http.StatusRequestEntityTooLarge, "too_large",
		"the module is larger than the upload limit of %d bytes", s.maxUpload)
}

// listPlugins handles GET /v1/plugins.
func (s *server) listPlugins(w http.ResponseWriter, r *http.Request) error {
	ps, err := s.ctl.Plugins(r.Context())
	if err != nil {
		return err
	}
	writeList(w, "plugins", ps)
	return nil
}

// getPlugin handles GET /v1/plugins/{name}.
func (s *server) getPlugin(w http.ResponseWriter, r *http.Request) error {
	name, err := pluginName(r)
	if err != nil {
		return err
	}
	p, err := s.ctl.Plugin(r.Context(), name)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.view(r, p))
	return nil
}

// setActiveRequest is the body of PUT /v1/plugins/{name}/active.
type setActiveRequest struct {
	Version *int `json:"version"`
}

// setActive handles PUT /v1/plugins/{name}/active.
func (s *server) setActive(w http.ResponseWriter, r *http.Request) error {
	name, err := pluginName(r)
	if err != nil {
		return err
	}
	var req setActiveRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Version == nil || *req.Version < 1 {
		return newError(http.StatusBadRequest, "invalid_version",
			`send {"version": N} with N a version number of the plugin (1 or more)`)
	}
	infoFrom(r.Context()).version = *req.Version
	p, err := s.ctl.SetActive(r.Context(), name, *req.Version)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

// deletePlugin handles DELETE /v1/plugins/{name}.
func (s *server) deletePlugin(w http.ResponseWriter, r *http.Request) error {
	name, err := pluginName(r)
	if err != nil {
		return err
	}
	if err := s.ctl.DeletePlugin(r.Context(), name); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
