package bus

import (
	"net/url"
	"os"
	"testing"
)

func TestValidateCluster(t *testing.T) {
	tlsFiles := ClusterTLS{CAFile: "ca.pem", CertFile: "n1.pem", KeyFile: "n1-key.pem"}
	ok := ClusterConfig{Listen: "127.0.0.1:6222", Peers: []string{"nats://10.0.0.2:6222"}, TLS: tlsFiles}
	tests := []struct {
		name        string
		server      string
		cl          ClusterConfig
		expectedErr string
	}{
		{"valid", "n1", ok, ""},
		{"valid with auth and self", "n1", ClusterConfig{Listen: ":6222", User: "u", Password: "p", TLS: tlsFiles,
			Peers: []string{"nats://127.0.0.1:6222", "nats-route://h2:6222", "nats://[::1]:7222/"}}, ""},
		{"loopback only without TLS", "n1", ClusterConfig{Listen: "127.0.0.1:6222",
			Peers: []string{"nats://127.0.0.1:6222", "nats://localhost:6223", "nats://[::1]:6224"}}, ""},
		{"public listen without TLS", "n1", ClusterConfig{Listen: ":6222", User: "u", Password: "p",
			Peers: []string{"nats://127.0.0.1:6223"}}, ErrClusterUnauthenticated.Error()},
		{"public peer without TLS", "n1", ClusterConfig{Listen: "127.0.0.1:6222", User: "u", Password: "p",
			Peers: []string{"nats://10.0.0.2:6222"}}, ErrClusterUnauthenticated.Error()},
		{"TLS without key file", "n1", ClusterConfig{Listen: ":6222", Peers: ok.Peers,
			TLS: ClusterTLS{CAFile: "ca.pem", CertFile: "n1.pem"}},
			"bus: cluster TLS needs the CA file, the certificate file and the key file together"},
		{"TLS without listen", "n1", ClusterConfig{TLS: tlsFiles}, "bus: cluster settings require cluster listen"},
		{"no server name", "", ok, "bus: cluster requires an explicit server name, unique per node"},
		{"server name with space", "n 1", ok, "bus: server and cluster names must not contain whitespace"},
		{"no peers", "n1", ClusterConfig{Listen: ":6222"}, "bus: cluster listen requires at least one peer"},
		{"cluster name with space", "n1", ClusterConfig{Name: "a b", Listen: ":6222", Peers: ok.Peers},
			"bus: server and cluster names must not contain whitespace"},
		{"peers without listen", "n1", ClusterConfig{Peers: ok.Peers},
			"bus: cluster settings require cluster listen"},
		{"user without password", "n1", ClusterConfig{Listen: ":6222", Peers: ok.Peers, User: "u", TLS: tlsFiles},
			"bus: cluster user and password must be set together"},
		{"bad listen", "n1", ClusterConfig{Listen: "6222"},
			`bus: cluster listen address "6222": address 6222: missing port in address`},
		{"listen port 0", "n1", ClusterConfig{Listen: "127.0.0.1:0", Peers: ok.Peers},
			`bus: cluster listen address "127.0.0.1:0": port must not be 0`},
		{"listen bad port", "n1", ClusterConfig{Listen: "h:99999"},
			`bus: cluster listen address "h:99999": bad port`},
		{"peer scheme", "n1", ClusterConfig{Listen: ":6222", Peers: []string{"tcp://h:6222"}},
			`bus: cluster peer "tcp://h:6222": want nats://host:port`},
		{"peer without port", "n1", ClusterConfig{Listen: ":6222", Peers: []string{"nats://h"}},
			`bus: cluster peer address "h": address h: missing port in address`},
		{"peer port 0", "n1", ClusterConfig{Listen: ":6222", Peers: []string{"nats://h:0"}},
			`bus: cluster peer "nats://h:0": host and port are required`},
		{"peer with credentials", "n1", ClusterConfig{Listen: ":6222", Peers: []string{"nats://u:p@h:6222"}},
			`bus: cluster peer "nats://u:p@h:6222": credentials belong in cluster user/password`},
		{"peer with path", "n1", ClusterConfig{Listen: ":6222", Peers: []string{"nats://h:6222/x"}},
			`bus: cluster peer "nats://h:6222/x": want nats://host:port`},
		{"peer unparsable", "n1", ClusterConfig{Listen: ":6222", Peers: []string{"nats://h:6222/%zz"}},
			`bus: cluster peer "nats://h:6222/%zz": parse "nats://h:6222/%zz": invalid URL escape "%zz"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Config{StoreDir: "d", ServerName: tc.server, Cluster: tc.cl}.Validate()
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.expectedErr {
				t.Errorf("Validate() = %q, want %q", got, tc.expectedErr)
			}
		})
	}
}

func TestClusterSize(t *testing.T) {
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		listen string
		peers  []string
		want   int
	}{
		{"standalone", "", nil, 1},
		{"only itself", "127.0.0.1:6222", []string{"nats://127.0.0.1:6222"}, 1},
		{"two others", "10.0.0.1:6222", []string{"nats://10.0.0.2:6222", "nats://10.0.0.3:6222"}, 3},
		{"self listed", "10.0.0.1:6222", []string{"nats://10.0.0.1:6222", "nats://10.0.0.2:6222"}, 2},
		{"duplicates", "10.0.0.1:6222", []string{"nats://H2:6222", "nats://h2:6222", "nats-route://h2:6222"}, 2},
		{"same host other port", "10.0.0.1:6222", []string{"nats://10.0.0.1:7222"}, 2},
		{"wildcard and loopback", "0.0.0.0:6222", []string{"nats://127.0.0.1:6222", "nats://h2:6222"}, 2},
		{"wildcard and localhost", ":6222", []string{"nats://localhost:6222", "nats://h2:6222"}, 2},
		{"wildcard and host name", "[::]:6222", []string{"nats://" + host + ":6222", "nats://h2:6222"}, 2},
		{"loopback and localhost", "127.0.0.1:6222", []string{"nats://localhost:6222"}, 1},
		{"specific and loopback", "10.0.0.1:6222", []string{"nats://127.0.0.1:6222"}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Config{StoreDir: "d", ServerName: "n1", Cluster: ClusterConfig{Listen: tc.listen, Peers: tc.peers}}
			if tc.listen != "" {
				c.Cluster.TLS = ClusterTLS{CAFile: "ca.pem", CertFile: "n1.pem", KeyFile: "n1-key.pem"}
			}
			if got := c.ClusterSize(); got != tc.want {
				t.Errorf("ClusterSize() = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestClusterOptionsRoutes(t *testing.T) {
	c := Config{StoreDir: "d", ServerName: "n1", Cluster: ClusterConfig{
		Listen:   "127.0.0.1:6222",
		Peers:    []string{"nats://127.0.0.1:6222", "nats://h2:6222", "nats://H2:6222"},
		User:     "route",
		Password: "p@ss:/word",
	}}.withDefaults()
	opts, err := serverOptions(c)
	if err != nil {
		t.Fatal(err)
	}
	if opts.Cluster.Name != DefaultClusterName || opts.Cluster.Port != 6222 || opts.Cluster.Username != "route" {
		t.Errorf("cluster options = %+v", opts.Cluster)
	}
	var got []string
	for _, r := range opts.Routes {
		got = append(got, r.String())
	}
	pw := url.UserPassword("route", "p@ss:/word").String()
	want := []string{"nats://" + pw + "@127.0.0.1:6222", "nats://" + pw + "@h2:6222"}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("routes = %q, want %q", got, want)
	}
	if pass, _ := opts.Routes[1].User.Password(); pass != "p@ss:/word" {
		t.Errorf("route password = %q", pass)
	}
	if opts.DontListen || opts.Host != "127.0.0.1" || !opts.Cluster.NoAdvertise {
		t.Errorf("without Listen a cluster node needs a hidden loopback client port: %+v", opts)
	}
}
