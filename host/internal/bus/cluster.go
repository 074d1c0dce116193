package bus

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/nats-io/nats-server/v2/server"
)

// DefaultClusterName is the cluster name used when ClusterConfig.Name is
// empty. All nodes of one cluster must use the same name.
const DefaultClusterName = "hostd"

// ClusterConfig joins the embedded server to a NATS cluster of hostd nodes.
// The zero value (empty Listen) means a standalone server.
type ClusterConfig struct {
	// Name is the cluster name, the same on every node. Empty means
	// DefaultClusterName.
	Name string

	// Listen is the "host:port" this node accepts routes (connections from
	// the other nodes) on. Empty means no cluster. The port must be
	// explicit: the other nodes dial it.
	Listen string

	// Peers are the route URLs of the other nodes, "nats://host:port";
	// at least one. Listing every node including this one (the same list
	// everywhere) is fine and recommended: a route to itself is recognised
	// and dropped by the server. Credentials do not go here; see User and
	// Password.
	Peers []string

	// User and Password authenticate routes, both or neither. When set,
	// this node requires them from every incoming route and presents them
	// on every outgoing one, so all nodes need the same pair. Alone they
	// do not authenticate a dialled peer (whoever listens at its address
	// receives them): beyond loopback, TLS is required.
	User, Password string

	// TLS is mutual route TLS with a cluster CA. Required unless the
	// listener and every peer are loopback addresses.
	TLS ClusterTLS
}

// enabled reports whether c asks for a cluster.
func (c ClusterConfig) enabled() bool { return c.Listen != "" }

// validate reports the first problem with c, or nil. serverName is the
// node's Config.ServerName.
func (c ClusterConfig) validate(serverName string) error {
	if !c.enabled() {
		if len(c.Peers) > 0 || c.User != "" || c.Password != "" || c.Name != "" || c.TLS.enabled() {
			return errors.New("bus: cluster settings require cluster listen")
		}
		return nil
	}
	if serverName == "" {
		return errors.New("bus: cluster requires an explicit server name, unique per node")
	}
	if strings.ContainsAny(serverName, " \t\r\n") || strings.ContainsAny(c.Name, " \t\r\n") {
		return errors.New("bus: server and cluster names must not contain whitespace")
	}
	if (c.User == "") != (c.Password == "") {
		return errors.New("bus: cluster user and password must be set together")
	}
	if _, port, err := splitHostPort("cluster listen", c.Listen); err != nil {
		return err
	} else if port == 0 {
		return fmt.Errorf("bus: cluster listen address %q: port must not be 0", c.Listen)
	}
	if len(c.Peers) == 0 {
		// nats-server refuses clustered JetStream without routes.
		return errors.New("bus: cluster listen requires at least one peer")
	}
	for _, p := range c.Peers {
		if _, err := parsePeer(p); err != nil {
			return err
		}
	}
	return c.validateAuth()
}

// ClusterSize is the number of nodes c describes: 1 (this node) plus the
// distinct peers that are not this node's own cluster listen address. A
// peer counts as this node when its host and port equal Cluster.Listen's,
// or when the ports are equal and Listen's host is a wildcard or loopback
// address while the peer's host is loopback, "localhost", an address of a
// local interface or the machine's host name. Names are not resolved, so
// one node listed under two names counts twice. Without a cluster, or with
// an invalid Config, the result is 1.
func (c Config) ClusterSize() int {
	if c.Validate() != nil || !c.Cluster.enabled() {
		return 1
	}
	return 1 + len(c.Cluster.otherPeers())
}

// otherPeers returns the distinct peers (as host:port) that are not this
// node. c must be valid.
func (c ClusterConfig) otherPeers() []string {
	lh, lp, _ := splitHostPort("cluster listen", c.Listen)
	seen := make(map[string]bool)
	var out []string
	for _, p := range c.Peers {
		u, _ := parsePeer(p)
		host, port, _ := splitHostPort("peer", u.Host)
		key := net.JoinHostPort(strings.ToLower(host), strconv.Itoa(port))
		if seen[key] || (port == lp && isSelfHost(lh, host)) {
			continue
		}
		seen[key] = true
		out = append(out, key)
	}
	return out
}

// isSelfHost reports whether peerHost names this machine as reached on a
// listener bound to listenHost (ports already equal).
func isSelfHost(listenHost, peerHost string) bool {
	if strings.EqualFold(listenHost, peerHost) {
		return true
	}
	if !isWildcard(listenHost) && !isLoopback(listenHost) {
		return false
	}
	if isLoopback(peerHost) {
		return true
	}
	if !isWildcard(listenHost) {
		return false
	}
	if name, err := os.Hostname(); err == nil && strings.EqualFold(name, peerHost) {
		return true
	}
	return isLocalIP(peerHost)
}

func isWildcard(host string) bool {
	ip := net.ParseIP(host)
	return host == "" || (ip != nil && ip.IsUnspecified())
}

func isLoopback(host string) bool {
	ip := net.ParseIP(host)
	return strings.EqualFold(host, "localhost") || (ip != nil && ip.IsLoopback())
}

func isLocalIP(host string) bool {
	ip := net.ParseIP(host)
	if ip == nil {
		return false
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.Equal(ip) {
			return true
		}
	}
	return false
}

// parsePeer checks one route URL: scheme nats (or nats-route), host and a
// non-zero port, nothing else.
func parsePeer(p string) (*url.URL, error) {
	u, err := url.Parse(p)
	if err != nil {
		return nil, fmt.Errorf("bus: cluster peer %q: %w", p, err)
	}
	if u.Scheme != "nats" && u.Scheme != "nats-route" {
		return nil, fmt.Errorf("bus: cluster peer %q: want nats://host:port", p)
	}
	if u.User != nil {
		return nil, fmt.Errorf("bus: cluster peer %q: credentials belong in cluster user/password", p)
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("bus: cluster peer %q: want nats://host:port", p)
	}
	host, port, err := splitHostPort("cluster peer", u.Host)
	if err != nil {
		return nil, err
	}
	if host == "" || port == 0 {
		return nil, fmt.Errorf("bus: cluster peer %q: host and port are required", p)
	}
	return u, nil
}

// splitHostPort parses "host:port" with a port in 0..65535.
func splitHostPort(what, addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("bus: %s address %q: %w", what, addr, err)
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("bus: %s address %q: bad port", what, addr)
	}
	return host, port, nil
}

// clusterOptions fills the route listener, route URLs and route auth of
// opts. Every peer is passed on, including this node's own URL: the
// server drops a route to itself, and it sizes the initial JetStream meta
// group from the number of routes. c must be valid.
func clusterOptions(opts *server.Options, c ClusterConfig) error {
	host, port, _ := splitHostPort("cluster listen", c.Listen)
	opts.Cluster = server.ClusterOpts{
		Name:     c.Name,
		Host:     host,
		Port:     port,
		Username: c.User,
		Password: c.Password,
	}
	seen := make(map[string]bool)
	for _, p := range c.Peers {
		u, _ := parsePeer(p)
		key := strings.ToLower(u.Host)
		if seen[key] {
			continue
		}
		seen[key] = true
		r := &url.URL{Scheme: "nats", Host: u.Host}
		if c.User != "" {
			r.User = url.UserPassword(c.User, c.Password)
		}
		opts.Routes = append(opts.Routes, r)
	}
	if !c.TLS.enabled() {
		return nil
	}
	tc, err := c.TLS.load()
	if err != nil {
		return err
	}
	opts.Cluster.TLSConfig = tc
	opts.Cluster.TLSTimeout = routeTLSTimeout
	return nil
}
