package registry

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/hostd/hostd/host/internal/errs"
	"github.com/hostd/hostd/host/internal/model"
)

// Plugins returns every plugin sorted by name, each with its versions in
// ascending order.
func (r *Registry) Plugins() ([]model.Plugin, error) {
	var out []model.Plugin
	err := r.db.View(func(tx *bolt.Tx) error {
		var err error
		out, err = readPlugins(tx)
		return err
	})
	return out, wrap("list plugins", err)
}

// Plugin returns the named plugin, or an *errs.Error of kind NotFound with
// code "plugin_not_found".
func (r *Registry) Plugin(name string) (model.Plugin, error) {
	if name == "" {
		return model.Plugin{}, emptyArg("plugin name")
	}
	var p model.Plugin
	err := r.db.View(func(tx *bolt.Tx) error {
		var ok bool
		var err error
		p, ok, err = getPlugin(tx, name)
		if err == nil && !ok {
			err = pluginNotFound(name)
		}
		return err
	})
	return p, wrap("read plugin", err)
}

// Wasm returns a copy of the module whose SHA-256 is sha256hex, or an
// *errs.Error of kind NotFound with code "blob_not_found".
func (r *Registry) Wasm(sha256hex string) ([]byte, error) {
	if sha256hex == "" {
		return nil, emptyArg("sha256")
	}
	var out []byte
	err := r.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketBlobs).Get([]byte(sha256hex))
		if v == nil {
			return errs.New(errs.NotFound, "blob_not_found", "no module with sha256 %s is stored", sha256hex)
		}
		out = bytes.Clone(v)
		return nil
	})
	return out, wrap("read wasm", err)
}

// AddVersion stores wasm as a new version of the named plugin unless one of
// its versions already has the same SHA-256, in which case it returns that
// version with created false. When activate is true the new or existing
// version becomes active. A plugin that does not exist yet is created, and
// its first version is made active whatever activate says, because a plugin
// always has an active version.
func (r *Registry) AddVersion(name string, wasm []byte, activate bool) (v model.PluginVersion, created bool, err error) {
	if name == "" {
		return v, false, emptyArg("plugin name")
	}
	sum := sha256.Sum256(wasm)
	hexSum := hex.EncodeToString(sum[:])
	err = r.db.Update(func(tx *bolt.Tx) error {
		p, exists, err := getPlugin(tx, name)
		if err != nil {
			return err
		}
		now := r.stamp()
		if old, ok := versionBySHA(p, hexSum); ok {
			v = old
			if !activate || p.ActiveVersion == old.Version {
				return nil
			}
			p.ActiveVersion, p.UpdatedAt = old.Version, now
			return putPlugin(tx, p)
		}
		v = model.PluginVersion{Name: name, Version: maxVersion(p) + 1, SHA256: hexSum,
			Size: int64(len(wasm)), CreatedAt: now}
		created = true
		if !exists {
			p = model.Plugin{Name: name, CreatedAt: now}
		}
		if activate || !exists {
			p.ActiveVersion = v.Version
		}
		p.Versions = append(p.Versions, v)
		p.UpdatedAt = now
		if err := putBlob(tx, hexSum, wasm); err != nil {
			return err
		}
		return putPlugin(tx, p)
	})
	if err != nil {
		return model.PluginVersion{}, false, wrap("add version", err)
	}
	return v, created, nil
}

// NextVersion returns the number AddVersion would give to new bytes for the
// named plugin: the highest existing version plus one, or 1. It is advisory:
// a concurrent AddVersion may take the number first.
func (r *Registry) NextVersion(name string) (int, error) {
	if name == "" {
		return 0, emptyArg("plugin name")
	}
	var n int
	err := r.db.View(func(tx *bolt.Tx) error {
		p, _, err := getPlugin(tx, name)
		n = maxVersion(p) + 1
		return err
	})
	if err != nil {
		return 0, wrap("next version", err)
	}
	return n, nil
}

// SetActive makes version the named plugin's active version and returns the
// plugin. Errors are *errs.Error of kind NotFound with code
// "plugin_not_found" or "version_not_found".
func (r *Registry) SetActive(name string, version int) (model.Plugin, error) {
	p, err := r.updatePlugin(name, func(p *model.Plugin) (bool, error) {
		if _, ok := p.Version(version); !ok {
			return false, versionNotFound(name, version)
		}
		changed := p.ActiveVersion != version
		p.ActiveVersion = version
		return changed, nil
	})
	return p, wrap("set active version", err)
}

// updatePlugin applies edit to the named plugin in one transaction and
// stores it (with a new UpdatedAt) when edit reports a change.
func (r *Registry) updatePlugin(name string, edit func(*model.Plugin) (bool, error)) (model.Plugin, error) {
	if name == "" {
		return model.Plugin{}, emptyArg("plugin name")
	}
	var p model.Plugin
	err := r.db.Update(func(tx *bolt.Tx) error {
		var ok bool
		var err error
		if p, ok, err = getPlugin(tx, name); err != nil {
			return err
		}
		if !ok {
			return pluginNotFound(name)
		}
		changed, err := edit(&p)
		if err != nil || !changed {
			return err
		}
		p.UpdatedAt = r.stamp()
		return putPlugin(tx, p)
	})
	if err != nil {
		return model.Plugin{}, err
	}
	return p, nil
}

// SetKVScope records where the named plugin's KV data lives ("" or
// model.KVScopeNode, or model.KVScopeCluster). It does not move data.
func (r *Registry) SetKVScope(name, scope string) (model.Plugin, error) {
	return r.SetKVSettings(name, model.KVSettings{Scope: &scope})
}

// SetKVSettings changes the named plugin's KV scope and limits in one
// transaction (nil fields keep their value; a limit of 0 removes the
// plugin's own limit). It does not move data. A scope other than node,
// cluster or "", or a negative limit, is an *errs.Error of kind Invalid
// ("invalid_kv_scope", "invalid_kv_limit") and changes nothing.
func (r *Registry) SetKVSettings(name string, s model.KVSettings) (model.Plugin, error) {
	if err := checkKVSettings(s); err != nil {
		return model.Plugin{}, err
	}
	p, err := r.updatePlugin(name, func(p *model.Plugin) (bool, error) {
		old := *p
		if s.Scope != nil {
			p.KVScope = *s.Scope
			if p.KVScope == model.KVScopeNode {
				p.KVScope = ""
			}
		}
		if s.MaxKeys != nil {
			p.KVMaxKeys = *s.MaxKeys
		}
		if s.MaxBytes != nil {
			p.KVMaxBytes = *s.MaxBytes
		}
		return p.KVScope != old.KVScope || p.KVMaxKeys != old.KVMaxKeys || p.KVMaxBytes != old.KVMaxBytes, nil
	})
	return p, wrap("set kv settings", err)
}

func checkKVSettings(s model.KVSettings) error {
	if s.Scope != nil && *s.Scope != "" && *s.Scope != model.KVScopeNode && *s.Scope != model.KVScopeCluster {
		return errs.New(errs.Invalid, "invalid_kv_scope", "kv scope %q is not %q or %q",
			*s.Scope, model.KVScopeNode, model.KVScopeCluster)
	}
	for _, l := range []struct {
		name string
		v    *int64
	}{{"max_keys", s.MaxKeys}, {"max_bytes", s.MaxBytes}} {
		if l.v != nil && *l.v < 0 {
			return errs.New(errs.Invalid, "invalid_kv_limit",
				"kv %s must be a positive number (or 0 for the host default), not %d", l.name, *l.v)
		}
	}
	return nil
}

// DeletePlugin removes the named plugin, its versions, the blobs no other
// plugin uses and its KV namespace. If a route binds the plugin, nothing
// changes and the error is an *errs.Error of kind Conflict with code
// "plugin_in_use" naming the routes; an unknown plugin gives NotFound
// "plugin_not_found".
func (r *Registry) DeletePlugin(name string) error {
	if name == "" {
		return emptyArg("plugin name")
	}
	err := r.db.Update(func(tx *bolt.Tx) error {
		p, ok, err := getPlugin(tx, name)
		if err != nil {
			return err
		}
		if !ok {
			return pluginNotFound(name)
		}
		if err := checkUnused(tx, name); err != nil {
			return err
		}
		if err := tx.Bucket(bucketPlugins).Delete([]byte(name)); err != nil {
			return err
		}
		if err := dropBlobs(tx, p); err != nil {
			return err
		}
		return dropNamespace(tx, name)
	})
	return wrap("delete plugin", err)
}

// checkUnused returns a Conflict error naming the routes that bind plugin.
func checkUnused(tx *bolt.Tx, plugin string) error {
	routes, err := readRoutes(tx)
	if err != nil {
		return err
	}
	var users []string
	for _, rt := range routes {
		if rt.Uses(plugin) {
			users = append(users, "route "+rt.ID)
		}
	}
	triggers, err := readTriggers(tx)
	if err != nil {
		return err
	}
	for _, t := range triggers {
		if t.Plugin == plugin {
			users = append(users, "trigger "+t.ID)
		}
	}
	if len(users) == 0 {
		return nil
	}
	return errs.New(errs.Conflict, "plugin_in_use",
		"plugin %q is used by %s; change or delete them first", plugin, strings.Join(users, ", "))
}

// dropBlobs deletes the blobs of p's versions that no remaining plugin
// references. p must already be deleted from the plugins bucket.
func dropBlobs(tx *bolt.Tx, p model.Plugin) error {
	used := make(map[string]bool)
	others, err := readPlugins(tx)
	if err != nil {
		return err
	}
	for _, o := range others {
		for _, v := range o.Versions {
			used[v.SHA256] = true
		}
	}
	blobs := tx.Bucket(bucketBlobs)
	for _, v := range p.Versions {
		if used[v.SHA256] {
			continue
		}
		if err := blobs.Delete([]byte(v.SHA256)); err != nil {
			return err
		}
	}
	return nil
}

// getPlugin reads one plugin; ok is false if it does not exist.
func getPlugin(tx *bolt.Tx, name string) (p model.Plugin, ok bool, err error) {
	raw := tx.Bucket(bucketPlugins).Get([]byte(name))
	if raw == nil {
		return model.Plugin{}, false, nil
	}
	if err := decodePlugin(raw, &p); err != nil {
		return model.Plugin{}, false, err
	}
	return p, true, nil
}

// readPlugins reads every plugin in name order (bbolt keeps keys sorted).
func readPlugins(tx *bolt.Tx) ([]model.Plugin, error) {
	out := []model.Plugin{}
	err := tx.Bucket(bucketPlugins).ForEach(func(_, raw []byte) error {
		var p model.Plugin
		if err := decodePlugin(raw, &p); err != nil {
			return err
		}
		out = append(out, p)
		return nil
	})
	return out, err
}

func decodePlugin(raw []byte, p *model.Plugin) error {
	if err := json.Unmarshal(raw, p); err != nil {
		return fmt.Errorf("decode plugin: %w", err)
	}
	slices.SortFunc(p.Versions, func(a, b model.PluginVersion) int { return a.Version - b.Version })
	return nil
}

func putPlugin(tx *bolt.Tx, p model.Plugin) error {
	raw, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encode plugin: %w", err)
	}
	if err := tx.Bucket(bucketPlugins).Put([]byte(p.Name), raw); err != nil {
		return err
	}
	return syncKVLimits(tx, p)
}

// putBlob stores wasm under its hash unless it is already there.
func putBlob(tx *bolt.Tx, hexSum string, wasm []byte) error {
	blobs := tx.Bucket(bucketBlobs)
	if blobs.Get([]byte(hexSum)) != nil {
		return nil
	}
	return blobs.Put([]byte(hexSum), wasm)
}

func versionBySHA(p model.Plugin, hexSum string) (model.PluginVersion, bool) {
	for _, v := range p.Versions {
		if v.SHA256 == hexSum {
			return v, true
		}
	}
	return model.PluginVersion{}, false
}

func maxVersion(p model.Plugin) int {
	n := 0
	for _, v := range p.Versions {
		n = max(n, v.Version)
	}
	return n
}
