// Command hostd runs the hostd service host, and mints admin tokens.
//
//	hostd [serve] [--listen :8080] [--admin-listen 127.0.0.1:8081] [--data-dir ./hostd-data] [--config FILE]
//	hostd token --data-dir DIR [--role admin|viewer] [--ttl 1h] [--subject NAME]
//	hostd cluster-ca [--dir DIR]
//	hostd cluster-cert [--dir DIR] --name NAME --addr IP|NAME[,...]
//	hostd version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/hostd/hostd/host"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	if host.IsCompileWorker() { // hostd runs itself to compile uploads
		os.Exit(host.RunCompileWorker())
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the process: tests call it with their own context,
// arguments and writers. It returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = serve(ctx, args, stderr)
	case "token":
		err = token(args, stdout, stderr)
	case "cluster-ca":
		err = clusterCA(args, stdout, stderr)
	case "cluster-cert":
		err = clusterCert(args, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "hostd", version)
	case "help":
		usage(stdout)
	default:
		fmt.Fprintf(stderr, "hostd: unknown command %q\n", cmd)
		usage(stderr)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	fmt.Fprintln(stderr, "hostd:", err)
	return 1
}

var errUsage = errors.New("usage")

func usage(w io.Writer) {
	fmt.Fprint(w, `usage:
  hostd [serve] [flags]          run the service host (flags: hostd serve -h)
  hostd token --data-dir DIR     print an admin API bearer token (hostd token -h)
  hostd cluster-ca --dir DIR     make a cluster CA and cluster key (hostd cluster-ca -h)
  hostd cluster-cert --dir DIR --name N --addr IP
                                 issue a node certificate with that CA (hostd cluster-cert -h)
  hostd version                  print the version
`)
}

func serve(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "", `data-plane address (default ":8080")`)
	adminListen := fs.String("admin-listen", "", `admin API address (default "127.0.0.1:8081")`)
	dataDir := fs.String("data-dir", "", `data directory (default "./hostd-data")`)
	configPath := fs.String("config", "", "JSON config file; flags override it")
	logLevel := fs.String("log-level", "", `debug, info, warn or error (default "info")`)
	natsListen := fs.String("nats-listen", "", "open a NATS client port (needs nats.token or nats.user/password in the config file; default: in-process only)")
	clusterListen := fs.String("cluster-listen", "", "join a cluster: this node's cluster address host:port (default: single node)")
	peers := fs.String("peers", "", "the cluster nodes' addresses, comma-separated nats://host:port")
	nodeName := fs.String("node-name", "", "this node's unique name in the cluster (default: host name and cluster port)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "hostd serve: unexpected argument %q\n", fs.Arg(0))
		return errUsage
	}
	var cfg host.Config
	if *configPath != "" {
		c, err := host.LoadConfig(*configPath)
		if err != nil {
			return err
		}
		cfg = c
	}
	override(&cfg.Listen, *listen)
	override(&cfg.AdminListen, *adminListen)
	override(&cfg.DataDir, *dataDir)
	override(&cfg.LogLevel, *logLevel)
	override(&cfg.NATS.Listen, *natsListen)
	override(&cfg.Cluster.Listen, *clusterListen)
	override(&cfg.Cluster.NodeName, *nodeName)
	if *peers != "" {
		cfg.Cluster.Peers = splitList(*peers)
	}
	cfg.CompileWorker = host.SelfCompileWorker()

	h, err := host.New(cfg)
	if err != nil {
		return err
	}
	if err := h.Start(ctx); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
	case err = <-h.Err():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if serr := h.Shutdown(sctx); err == nil {
		err = serr
	}
	return err
}

func override(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
