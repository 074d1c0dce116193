package host

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/hostd/hostd/host/internal/keyset"
	"github.com/hostd/hostd/host/internal/model"
	"github.com/hostd/hostd/host/internal/registry"
	"github.com/hostd/hostd/host/internal/replica"
)

// ClusterConfig makes the embedded NATS server one node of a cluster of
// hostd nodes that share plugins, routes, triggers and key sets through
// JetStream. The zero value (no Listen) is a single node.
type ClusterConfig struct {
	// Listen is this node's cluster (route) address, "host:port", reachable
	// by the other nodes. Empty: no cluster.
	Listen string `json:"listen,omitempty"`
	// Peers are the other nodes' cluster URLs, "nats://host:port". The
	// same list on every node, including the node itself, is fine.
	Peers []string `json:"peers,omitempty"`
	// Name is the cluster name, the same on every node. Default "hostd".
	Name string `json:"name,omitempty"`
	// NodeName is this node's name, unique in the cluster. Default: the
	// machine's host name and the cluster port ("web1-6222").
	NodeName string `json:"node_name,omitempty"`
	// User and Password are an optional extra route credential, the same
	// pair on every node. They do not authenticate a node this node
	// dials, so they are no substitute for TLS.
	User     string `json:"user,omitempty"`
	Password string `json:"password,omitempty"`
	// TLS is mutual TLS between the nodes with a cluster CA. Required
	// unless Listen and every peer are loopback addresses.
	TLS ClusterTLSConfig `json:"tls,omitzero"`
	// KeyFile holds the cluster key (at least 32 bytes; e.g. the output
	// of `openssl rand -hex 32`), the same on every node. Replicated
	// records are encrypted and authenticated with a key derived from it;
	// a node applies no record that does not open with it. Required
	// unless Listen and every peer are loopback addresses.
	KeyFile string `json:"key_file,omitempty"`
}

// ClusterTLSConfig names the PEM files of route TLS: the cluster CA, and
// this node's certificate (signed by the CA, valid for server and client
// authentication, with its cluster address as a SAN) and private key.
type ClusterTLSConfig struct {
	CAFile   string `json:"ca_file,omitempty"`
	CertFile string `json:"cert_file,omitempty"`
	KeyFile  string `json:"key_file,omitempty"`
}

func (t ClusterTLSConfig) set() bool { return t.CAFile != "" || t.CertFile != "" || t.KeyFile != "" }

// errClusterAuth is the message for a cluster beyond loopback without
// authentication.
const errClusterAuth = "cluster: %s is not a loopback address, so the nodes must authenticate each other: " +
	"set cluster.tls.ca_file, cluster.tls.cert_file and cluster.tls.key_file (mutual TLS: the cluster CA, " +
	"and this node's certificate signed by it and its key) and cluster.key_file (the cluster key that seals " +
	"replicated records, the same file on every node); see docs/cluster.md#securing-a-cluster"

// validate reports problems with the settings, prefixed with their names.
func (c ClusterConfig) validate() []error {
	var errs []error
	if !c.enabled() {
		if len(c.Peers) > 0 || c.User != "" || c.Name != "" || c.NodeName != "" || c.TLS.set() || c.KeyFile != "" {
			errs = append(errs, errors.New("cluster: peers, name, node_name, credentials, tls and key_file need cluster.listen (--cluster-listen)"))
		}
		return errs
	}
	if _, port, err := net.SplitHostPort(c.Listen); err != nil || port == "0" || port == "" {
		errs = append(errs, fmt.Errorf("cluster.listen: %q is not host:port with an explicit port", c.Listen))
	}
	for _, p := range c.Peers {
		if !strings.HasPrefix(p, "nats://") {
			errs = append(errs, fmt.Errorf("cluster.peers: %q is not a nats://host:port URL", p))
		}
	}
	if (c.User == "") != (c.Password == "") {
		errs = append(errs, errors.New("cluster: set user and password together"))
	}
	if c.TLS.set() && (c.TLS.CAFile == "" || c.TLS.CertFile == "" || c.TLS.KeyFile == "") {
		errs = append(errs, errors.New("cluster.tls: set ca_file, cert_file and key_file together"))
	}
	if public := c.publicAddr(); public != "" && (!c.TLS.set() || c.KeyFile == "") {
		errs = append(errs, fmt.Errorf(errClusterAuth, public))
	}
	return errs
}

// publicAddr returns the first of Listen and the peers that is not a
// loopback address ("" when every link stays on this machine), quoted
// with the setting it comes from.
func (c ClusterConfig) publicAddr() string {
	if host, _, err := net.SplitHostPort(c.Listen); err == nil && !isLoopbackHost(host) {
		return fmt.Sprintf("cluster.listen %q", c.Listen)
	}
	for _, p := range c.Peers {
		u, err := url.Parse(p)
		if err != nil || !isLoopbackHost(u.Hostname()) {
			return fmt.Sprintf("cluster.peers entry %q", p)
		}
	}
	return ""
}

func isLoopbackHost(h string) bool {
	ip := net.ParseIP(h)
	return strings.EqualFold(h, "localhost") || (ip != nil && ip.IsLoopback())
}

// enabled reports whether the node is part of a cluster.
func (c ClusterConfig) enabled() bool { return c.Listen != "" }

// nodeName returns NodeName or its default.
func (c ClusterConfig) nodeName() string {
	if c.NodeName != "" || !c.enabled() {
		return c.NodeName
	}
	host, _ := os.Hostname()
	if host == "" {
		host = "hostd"
	}
	host = strings.NewReplacer(".", "-", " ", "-").Replace(host)
	_, port, _ := net.SplitHostPort(c.Listen)
	return fmt.Sprintf("%s-%s", host, port)
}

// replicas is the replica count of the streams, buckets and object stores
// hostd creates: every node up to three.
func (h *Host) replicas() int {
	if h.bus == nil {
		return 1
	}
	return min(3, h.busCfg.ClusterSize())
}

// startReplica starts sharing the control plane with the cluster, if any.
// Without a cluster key (allowed on loopback only) it warns that records
// are neither authenticated nor encrypted.
func (h *Host) startReplica() error {
	if !h.cfg.Cluster.enabled() {
		return nil
	}
	var sealer *replica.Sealer
	if f := h.cfg.Cluster.KeyFile; f != "" {
		var err error
		if sealer, err = replica.LoadSealer(f); err != nil {
			return fmt.Errorf("host: cluster.key_file: %w", err)
		}
	} else {
		h.log.Warn("cluster records are not authenticated: any process that reaches this machine's cluster or NATS port can change routes and plugins; set cluster.key_file (and cluster.tls) on every node")
	}
	h.repl = replica.New(replica.Config{
		Bus: h.bus, Store: h.reg, Replicas: h.replicas(), Lock: &h.ctl.mu, Sealer: sealer,
		Changed: h.ctl.remoteChanged, NewBytes: h.precompileAsync, Logger: h.log.With("component", "replica"),
	})
	h.metrics.WatchCluster(h.repl.Rejected)
	h.repl.Start()
	return nil
}

func (h *Host) stopReplica() {
	if h.repl != nil {
		h.repl.Stop()
	}
}

// publish shares a local change with the cluster. The caller holds c.mu.
// A failure is logged: the replicator keeps the change and retries.
func (c *control) publish(ctx context.Context, kind, id string) {
	if c.h.repl == nil {
		return
	}
	// The change is stored: a client that gives up must not cancel sharing it.
	if err := c.h.repl.Publish(context.WithoutCancel(ctx), kind, id); err != nil {
		c.h.log.Warn("change stored here, not yet shared with the cluster; retrying", "kind", kind, "id", id, "error", err)
	}
}

// remoteChanged rebuilds what depends on records other nodes changed. The
// replicator calls it with c.mu held.
func (c *control) remoteChanged(kinds map[string]bool) {
	ctx := context.Background()
	if kinds[registry.RecordKeySet] {
		c.h.reloadKeySets()
	}
	if kinds[registry.RecordKeySet] || kinds[registry.RecordPlugin] || kinds[registry.RecordRoute] {
		if err := c.load(ctx); err != nil {
			c.h.log.Error("routes not rebuilt after a remote change", "error", err)
		}
	}
	if kinds[registry.RecordPlugin] || kinds[registry.RecordTrigger] {
		c.syncTriggers(ctx)
	}
}

// reloadKeySets makes the verifier hold exactly the stored key sets.
func (h *Host) reloadKeySets() {
	all, err := h.reg.KeySets()
	if err != nil {
		h.log.Error("key sets not reloaded", "error", err)
		return
	}
	for _, name := range h.keys.names() {
		if _, ok := all[name]; !ok {
			h.keys.set(name, nil)
		}
	}
	for name, doc := range all {
		set, err := keyset.Parse(doc)
		if err != nil {
			h.log.Error("key set from the cluster is not usable", "keyset", name, "error", err)
			continue
		}
		h.keys.set(name, set)
	}
}

// precompileAsync compiles, in the background, the active version of a
// plugin whose bytes just arrived from the cluster, so that the route that
// usually follows is built from the compilation cache in milliseconds
// instead of waiting for a compile. Errors are left to the build that
// needs the module.
func (h *Host) precompileAsync(plugin string) {
	p, err := h.reg.Plugin(plugin)
	if err != nil {
		return
	}
	v, ok := p.Version(p.ActiveVersion)
	if !ok {
		return
	}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		ctx := context.Background()
		start := time.Now()
		m, err := h.eng.Load(ctx, v.SHA256, h.reg.Wasm)
		if err != nil {
			h.log.Warn("plugin from the cluster does not compile", "plugin", plugin, "version", v.Version, "error", err)
			return
		}
		m.Release(ctx)
		h.log.Debug("plugin precompiled", "plugin", plugin, "version", v.Version, "duration", time.Since(start))
	}()
}

// Cluster implements admin.Control.
func (c *control) Cluster(context.Context) (model.ClusterStatus, error) {
	cl := c.h.cfg.Cluster
	if c.h.repl == nil {
		return model.ClusterStatus{Synced: true, Unpublished: []string{}}, nil // a single node has nothing to sync
	}
	c.mu.Lock()
	synced, unpublished := c.h.repl.Status()
	c.mu.Unlock()
	if unpublished == nil {
		unpublished = []string{}
	}
	return model.ClusterStatus{Enabled: true, Node: cl.nodeName(), Nodes: c.h.busCfg.ClusterSize(),
		Synced: synced, Unpublished: unpublished}, nil
}
