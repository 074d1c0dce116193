package bus

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"os"
	"time"
)

// ClusterTLS authenticates and encrypts the routes between nodes with
// mutual TLS: every node presents CertFile (signed by the cluster CA in
// CAFile) on every route it accepts and every route it dials, and accepts
// a route only from a peer whose certificate chains to that CA. A dialled
// peer must also present a certificate valid for the host it was dialled
// at (as written in the peer's URL: an IP SAN for an address, a DNS SAN
// for a name). All three files or none.
type ClusterTLS struct {
	CAFile, CertFile, KeyFile string
}

// enabled reports whether route TLS is configured.
func (t ClusterTLS) enabled() bool { return t.CAFile != "" || t.CertFile != "" || t.KeyFile != "" }

// routeTLSTimeout bounds a route's TLS handshake, in seconds (nats-server's
// unit).
const routeTLSTimeout = 5.0

func (t ClusterTLS) validate() error {
	if t.enabled() && (t.CAFile == "" || t.CertFile == "" || t.KeyFile == "") {
		return errors.New("bus: cluster TLS needs the CA file, the certificate file and the key file together")
	}
	return nil
}

// load reads the files and returns the route TLS configuration: TLS 1.3,
// the node's certificate, and the cluster CA as the only root for both
// directions. It checks that the certificate chains to the CA and may be
// used for both server and client authentication, so a wrong file fails
// at start rather than on the first route.
func (t ClusterTLS) load() (*tls.Config, error) {
	caPEM, err := os.ReadFile(t.CAFile)
	if err != nil {
		return nil, fmt.Errorf("bus: cluster CA: %w", err)
	}
	pool := x509.NewCertPool()
	n := 0
	for rest := caPEM; ; {
		var blk *pem.Block
		if blk, rest = pem.Decode(rest); blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		ca, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("bus: cluster CA %s: %w", t.CAFile, err)
		}
		pool.AddCert(ca)
		n++
	}
	if n == 0 {
		return nil, fmt.Errorf("bus: cluster CA %s: no PEM certificate in the file", t.CAFile)
	}
	pair, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("bus: cluster certificate %s / key %s: %w", t.CertFile, t.KeyFile, err)
	}
	leaf := pair.Leaf
	if leaf == nil { // GODEBUG x509keypairleaf=0
		if leaf, err = x509.ParseCertificate(pair.Certificate[0]); err != nil {
			return nil, fmt.Errorf("bus: cluster certificate %s: %w", t.CertFile, err)
		}
	}
	inter := x509.NewCertPool()
	for _, c := range pair.Certificate[1:] {
		if ic, err := x509.ParseCertificate(c); err == nil {
			inter.AddCert(ic)
		}
	}
	for _, u := range []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth} {
		opts := x509.VerifyOptions{Roots: pool, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{u},
			CurrentTime: time.Now()}
		if _, err := leaf.Verify(opts); err != nil {
			return nil, fmt.Errorf("bus: cluster certificate %s is not usable with CA %s for %s: %w",
				t.CertFile, t.CAFile, usageName(u), err)
		}
	}
	return &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{pair},
		RootCAs:      pool,
		ClientCAs:    pool,
		ClientAuth:   tls.RequireAndVerifyClientCert,
	}, nil
}

func usageName(u x509.ExtKeyUsage) string {
	if u == x509.ExtKeyUsageServerAuth {
		return "server authentication (extendedKeyUsage serverAuth)"
	}
	return "client authentication (extendedKeyUsage clientAuth)"
}

// loopbackOnly reports whether every cluster link stays on this machine:
// the listener is bound to a loopback address and every peer is a
// loopback address or "localhost". Only then may a cluster run without
// TLS. c must be valid.
func (c ClusterConfig) loopbackOnly() bool {
	host, _, _ := splitHostPort("cluster listen", c.Listen)
	if !isLoopback(host) {
		return false
	}
	for _, p := range c.Peers {
		u, err := url.Parse(p)
		if err != nil || !isLoopback(u.Hostname()) {
			return false
		}
	}
	return true
}

// ErrClusterUnauthenticated is returned by Validate for a cluster that
// reaches beyond loopback without route TLS.
var ErrClusterUnauthenticated = errors.New("bus: a cluster whose listen address or peers are not loopback needs route TLS (cluster CA, certificate and key)")

// validateAuth refuses an unauthenticated cluster beyond loopback.
// Route user/password alone is not enough: a node presents it to any
// listener at a peer's address without checking who listens there.
func (c ClusterConfig) validateAuth() error {
	if err := c.TLS.validate(); err != nil {
		return err
	}
	if !c.TLS.enabled() && !c.loopbackOnly() {
		return ErrClusterUnauthenticated
	}
	return nil
}
