// Package pki makes what the nodes of an authenticated hostd cluster
// share and hold: a cluster CA, node certificates signed by it (valid for
// server and client authentication) and the cluster key. `hostd
// cluster-ca` / `hostd cluster-cert` and the tests use it. Standard
// library only.
package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Files InitCA writes in its directory.
const (
	CAFile    = "ca.pem"
	CAKeyFile = "ca-key.pem"
	KeyFile   = "cluster.key"
)

// Validity of what the cluster helpers issue.
const (
	clusterCAValidity   = 10 * 365 * 24 * time.Hour
	clusterCertValidity = 2 * 365 * 24 * time.Hour
)

// InitCA creates what every node of a secured cluster shares, in
// dir (created 0700 if missing): a new cluster CA (ca.pem, and its key
// ca-key.pem, which belongs on no node) and a new cluster key
// (cluster.key, 32 random bytes hex-encoded). Existing files are never
// overwritten. Keys are ECDSA P-256; files holding keys are mode 0600.
func InitCA(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("cluster CA: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("cluster CA: %w", err)
	}
	now := time.Now()
	serial := randomSerial()
	// Each CA gets its own name: Go's verifier, meeting a certificate of
	// another CA of the same name, reports a misleading signature error
	// instead of "unknown authority".
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: "hostd cluster CA " + shortID(serial)},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(clusterCAValidity),
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, BasicConstraintsValid: true, IsCA: true,
		MaxPathLenZero: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return fmt.Errorf("cluster CA: %w", err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return fmt.Errorf("cluster CA: %w", err)
	}
	var secret [32]byte
	if _, err := rand.Read(secret[:]); err != nil {
		return fmt.Errorf("cluster key: %w", err)
	}
	for _, f := range []struct {
		name string
		data []byte
		mode os.FileMode
	}{
		{CAKeyFile, pemBytes("EC PRIVATE KEY", kder), 0o600},
		{CAFile, pemBytes("CERTIFICATE", der), 0o644},
		{KeyFile, []byte(hex.EncodeToString(secret[:]) + "\n"), 0o600},
	} {
		if err := writeNew(filepath.Join(dir, f.name), f.data, f.mode); err != nil {
			return err
		}
	}
	return nil
}

// IssueCert issues a certificate for the node named name with the
// CA in dir, valid for server and client authentication at addrs (IP
// addresses become IP SANs, names DNS SANs; list the host of this node's
// entry in cluster.peers), and writes NAME.pem and NAME-key.pem in dir.
func IssueCert(dir, name string, addrs []string) error {
	if name == "" || strings.ContainsAny(name, `/\. `) {
		return fmt.Errorf("cluster cert: node name %q must be non-empty, without '/', '\\', '.' or spaces", name)
	}
	if len(addrs) == 0 {
		return errors.New("cluster cert: at least one address (the host of this node in cluster.peers) is required")
	}
	ca, caKey, err := loadCA(dir)
	if err != nil {
		return err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("cluster cert: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: randomSerial(), Subject: pkix.Name{CommonName: name},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(clusterCertValidity),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	for _, a := range addrs {
		if ip := net.ParseIP(a); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, a)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return fmt.Errorf("cluster cert: %w", err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return fmt.Errorf("cluster cert: %w", err)
	}
	if err := writeNew(filepath.Join(dir, name+"-key.pem"), pemBytes("EC PRIVATE KEY", kder), 0o600); err != nil {
		return err
	}
	return writeNew(filepath.Join(dir, name+".pem"), pemBytes("CERTIFICATE", der), 0o644)
}

func loadCA(dir string) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	certPEM, err := os.ReadFile(filepath.Join(dir, CAFile))
	if err != nil {
		return nil, nil, fmt.Errorf("cluster cert: %w (run hostd cluster-ca first)", err)
	}
	keyPEM, err := os.ReadFile(filepath.Join(dir, CAKeyFile))
	if err != nil {
		return nil, nil, fmt.Errorf("cluster cert: %w", err)
	}
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || kb == nil {
		return nil, nil, fmt.Errorf("cluster cert: %s or %s is not PEM", CAFile, CAKeyFile)
	}
	ca, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("cluster cert: %s: %w", CAFile, err)
	}
	key, err := x509.ParseECPrivateKey(kb.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("cluster cert: %s: %w", CAKeyFile, err)
	}
	return ca, key, nil
}

func pemBytes(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

// writeNew writes a file that must not exist yet.
func writeNew(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("cluster files: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("cluster files: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("cluster files: %w", err)
	}
	return nil
}

func randomSerial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127)) // crypto/rand does not fail
	return n
}

// shortID is the first 8 hex digits of n (fewer if n is that small).
func shortID(n *big.Int) string {
	h := n.Text(16)
	return h[:min(8, len(h))]
}
