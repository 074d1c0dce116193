// Package testpki gives tests what an authenticated hostd cluster needs —
// a cluster CA, node certificates signed by it and a cluster key file —
// each in a new temporary directory, made by package pki exactly as
// `hostd cluster-ca` and `hostd cluster-cert` make them.
package testpki

import (
	"path/filepath"
	"testing"

	"github.com/hostd/hostd/host/internal/pki"
)

// CA is a cluster certificate authority.
type CA struct {
	dir string
	// File is the CA certificate, PEM.
	File string
}

// Node is what one node's cluster.tls needs.
type Node struct {
	CAFile, CertFile, KeyFile string
}

// NewCA creates a new cluster CA (every call another one).
func NewCA(t testing.TB) *CA {
	t.Helper()
	dir := t.TempDir()
	if err := pki.InitCA(dir); err != nil {
		t.Fatal(err)
	}
	return &CA{dir: dir, File: filepath.Join(dir, pki.CAFile)}
}

// Node issues a certificate for a node named name, valid for that name
// and the given IP addresses.
func (ca *CA) Node(t testing.TB, name string, ips ...string) Node {
	t.Helper()
	if err := pki.IssueCert(ca.dir, name, append([]string{name}, ips...)); err != nil {
		t.Fatal(err)
	}
	return Node{CAFile: ca.File, CertFile: filepath.Join(ca.dir, name+".pem"),
		KeyFile: filepath.Join(ca.dir, name+"-key.pem")}
}

// KeyFile writes a new random cluster key (64 hex digits, as
// `openssl rand -hex 32` prints, mode 0600) and returns its path.
func KeyFile(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	if err := pki.InitCA(dir); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, pki.KeyFile)
}
