package host

import "github.com/hostd/hostd/host/internal/pki"

// Files ClusterInitCA writes in its directory.
const (
	ClusterCAFile    = pki.CAFile
	ClusterCAKeyFile = pki.CAKeyFile
	ClusterKeyFile   = pki.KeyFile
)

// ClusterInitCA creates what every node of a secured cluster shares, in
// dir (created 0700 if missing): a new cluster CA (ca.pem, and its key
// ca-key.pem, which belongs on no node) and a new cluster key
// (cluster.key, 32 random bytes hex-encoded). Existing files are never
// overwritten. Keys are ECDSA P-256; files holding keys are mode 0600.
func ClusterInitCA(dir string) error { return pki.InitCA(dir) }

// ClusterIssueCert issues a certificate for the node named name with the
// CA in dir, valid for server and client authentication at addrs (IP
// addresses become IP SANs, names DNS SANs; list the host of this node's
// entry in cluster.peers), and writes NAME.pem and NAME-key.pem in dir.
func ClusterIssueCert(dir, name string, addrs []string) error {
	return pki.IssueCert(dir, name, addrs)
}
