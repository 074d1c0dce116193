package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/hostd/hostd/host"
)

// token prints a bearer token for the admin API of a hostd using the data
// directory. It reads only the signing key file, so it works while hostd runs.
func token(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data-dir", "./hostd-data", "data directory of the hostd the token is for")
	role := fs.String("role", "admin", "admin (read/write), viewer (read only, configs redacted) or metrics (GET /metrics only)")
	ttl := fs.Duration("ttl", time.Hour, "how long the token is valid")
	subject := fs.String("subject", "hostd-cli", "who the token is for (appears in admin logs)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	tok, err := host.MintAdminToken(*dataDir, *role, *subject, *ttl)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, tok)
	return nil
}
