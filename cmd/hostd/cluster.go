package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/hostd/hostd/host"
)

// clusterCA creates a cluster CA and a cluster key in a directory.
func clusterCA(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("cluster-ca", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "./hostd-cluster", "directory for ca.pem, ca-key.pem and cluster.key (never overwritten)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := host.ClusterInitCA(*dir); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s, %s (keep it off the nodes) and %s\n", filepath.Join(*dir, host.ClusterCAFile),
		filepath.Join(*dir, host.ClusterCAKeyFile), filepath.Join(*dir, host.ClusterKeyFile))
	return nil
}

// clusterCert issues a node certificate with the CA of a directory.
func clusterCert(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("cluster-cert", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "./hostd-cluster", "directory of the cluster CA; NAME.pem and NAME-key.pem are written there")
	name := fs.String("name", "", "the node's name (cluster.node_name)")
	addrs := fs.String("addr", "", "comma-separated IP addresses and DNS names the other nodes dial this node at")
	if err := parse(fs, args); err != nil {
		return err
	}
	var list []string
	for _, a := range strings.Split(*addrs, ",") {
		if a = strings.TrimSpace(a); a != "" {
			list = append(list, a)
		}
	}
	if err := host.ClusterIssueCert(*dir, *name, list); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s and %s\n", filepath.Join(*dir, *name+".pem"), filepath.Join(*dir, *name+"-key.pem"))
	return nil
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		return errUsage
	}
	return nil
}
