package host

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/hostd/hostd/host/internal/errs"
	"github.com/hostd/hostd/host/internal/model"
	"github.com/hostd/hostd/plugins"
)

// registerBuiltins stores the built-in plugins (jwt-auth, rate-limit,
// circuit-breaker) that are not in the registry yet. They are built from
// this repository's sources, so they are stored without the upload checks
// and compiled only when a route binds them.
//
// A plugin of the same name that already exists is never replaced: if this
// hostd embeds bytes the plugin does not have as a version (hostd was
// upgraded), they are added as a new, inactive version, so an operator's
// own upload keeps serving until someone activates the new built-in.
func (h *Host) registerBuiltins() error {
	for _, b := range plugins.All() {
		p, err := h.reg.Plugin(b.Name)
		exists := err == nil
		if exists && hasSHA(p.Versions, b.Wasm) {
			continue
		}
		v, _, err := h.reg.AddVersion(b.Name, b.Wasm, !exists)
		if err != nil {
			return fmt.Errorf("host: built-in plugin %s: %w", b.Name, err)
		}
		h.log.Info("built-in plugin stored", "plugin", b.Name, "version", v.Version, "active", !exists)
	}
	return nil
}

// checkBuiltinUpload refuses an upload under a built-in plugin's name of
// bytes other than this hostd's own built-in, unless replace is set: every
// route using the built-in (authentication, rate limits, breakers) would
// silently be served by the upload.
func checkBuiltinUpload(name string, wasm []byte, replace bool) error {
	for _, b := range plugins.All() {
		if b.Name == name && !replace && !bytes.Equal(b.Wasm, wasm) {
			return errs.New(errs.Conflict, "builtin_plugin",
				"plugin %q is a built-in: an upload replaces it on every route that uses it; "+
					"repeat the upload with ?replace_builtin=true to do that", name)
		}
	}
	return nil
}

// hasSHA reports whether one of vs has the sha256 of wasm.
func hasSHA(vs []model.PluginVersion, wasm []byte) bool {
	sum := sha256.Sum256(wasm)
	sha := hex.EncodeToString(sum[:])
	for _, v := range vs {
		if v.SHA256 == sha {
			return true
		}
	}
	return false
}
