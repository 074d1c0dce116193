package engine

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"slices"
	"strconv"
)

// Owner says on whose behalf a policy host function runs. Plugin scopes
// names: bucket and breaker names of one plugin never meet another
// plugin's. Binding identifies the pool's binding (Binding.Identity): it is
// charged for the state the call creates (bucket quotas, cached policies).
type Owner struct {
	Plugin  string
	Binding string
}

// canon appends a collision-free encoding of fields: each is its length
// (uvarint) followed by its bytes, and each list its length followed by its
// items, so no two different field sets encode alike.
type canon []byte

func (c canon) str(s string) canon {
	return append(binary.AppendUvarint(c, uint64(len(s))), s...)
}

func (c canon) list(l []string) canon {
	c = binary.AppendUvarint(c, uint64(len(l)))
	for _, s := range l {
		c = c.str(s)
	}
	return c
}

// Key returns a string that identifies g, for pool keys: two different
// grant sets never share a key, whatever bytes their subjects hold.
func (g Grants) Key() string {
	return string(canon(nil).list(g.Publish).list(g.Request))
}

// Key returns a collision-free encoding of everything that makes the
// binding: plugin, version, config, KV namespace, grants and key sets. Two
// bindings have the same key exactly when they are equal.
func (b Binding) Key() string {
	return string(canon(nil).str(b.Plugin).str(strconv.Itoa(b.Version)).str(string(b.Config)).
		str(b.KVNamespace).list(b.Grants.Publish).list(b.Grants.Request).list(b.KeySets))
}

// Identity returns the binding's identity: its plugin and version, and
// the SHA-256 of its Key. Pools of equal bindings share it, so state
// charged to a binding outlives a rebuilt pool.
func (b Binding) Identity() string {
	sum := sha256.Sum256([]byte(b.Key()))
	return b.Plugin + "@" + strconv.Itoa(b.Version) + "/" + hex.EncodeToString(sum[:12])
}

// grantsKeySet reports whether the binding may verify tokens with the key
// set called name.
func (b *Binding) grantsKeySet(name []byte) bool {
	return slices.Contains(b.KeySets, string(name))
}
