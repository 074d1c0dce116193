package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestClusterCACommands(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	runOK := func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run(context.Background(), args, &out, &errb); code != 0 {
			t.Fatalf("hostd %v: exit %d: %s", args, code, errb.String())
		}
		return out.String()
	}
	runOK("cluster-ca", "--dir", dir)
	runOK("cluster-cert", "--dir", dir, "--name", "n1", "--addr", "10.0.0.1, web1.example")

	ca := parseCert(t, filepath.Join(dir, "ca.pem"))
	n1 := parseCert(t, filepath.Join(dir, "n1.pem"))
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	for _, u := range []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth} {
		for _, host := range []string{"10.0.0.1", "web1.example"} {
			if _, err := n1.Verify(x509.VerifyOptions{Roots: pool, DNSName: host, KeyUsages: []x509.ExtKeyUsage{u}}); err != nil {
				t.Errorf("n1 for %s, usage %v: %v", host, u, err)
			}
		}
	}
	for _, f := range []string{"ca-key.pem", "cluster.key", "n1-key.pem"} {
		fi, err := os.Stat(filepath.Join(dir, f))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v mode %v, want 0600", f, err, fi.Mode().Perm())
		}
	}

	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"cluster-ca", "--dir", dir}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "file exists") {
		t.Errorf("second cluster-ca: exit %d, %q; want a refusal to overwrite", code, errb.String())
	}
	errb.Reset()
	if code := run(context.Background(), []string{"cluster-cert", "--dir", dir, "--name", "n2"}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "at least one address") {
		t.Errorf("cluster-cert without --addr: exit %d, %q", code, errb.String())
	}
}

func parseCert(t *testing.T, file string) *x509.Certificate {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatalf("%s: not PEM", file)
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
