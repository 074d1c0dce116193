package wrk

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// Options are one wrk run's settings.
type Options struct {
	URL         string
	Duration    time.Duration
	Connections int
	Threads     int
	Headers     []string // "Name: value"
	CPUs        string   // taskset -c list for wrk, "" for no pinning
}

// Args returns wrk's command line for o (taskset first when pinned).
func (o Options) Args() []string {
	args := []string{"wrk", "--latency",
		"-t" + strconv.Itoa(o.Threads), "-c" + strconv.Itoa(o.Connections),
		"-d" + strconv.Itoa(int(o.Duration.Round(time.Second)/time.Second)) + "s"}
	for _, h := range o.Headers {
		args = append(args, "-H", h)
	}
	args = append(args, o.URL)
	if o.CPUs != "" {
		args = append([]string{"taskset", "-c", o.CPUs}, args...)
	}
	return args
}

// Run runs wrk with o and parses its report. ctx ends it early (Ctrl-C).
func Run(ctx context.Context, o Options) (Result, error) {
	args := o.Args()
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return Result{}, fmt.Errorf("wrk: %s: %w: %s", strings.Join(args, " "), err, errOut.String())
	}
	r, err := Parse(out.String())
	if err != nil {
		return r, fmt.Errorf("%w\n%s", err, out.String())
	}
	return r, nil
}

// Version returns the first line of `wrk -v`.
func Version() string {
	out, _ := exec.Command("wrk", "-v").CombinedOutput() // exits 1 after printing
	line, _, _ := strings.Cut(string(out), "\n")
	line, _, _ = strings.Cut(line, " Copyright")
	return strings.TrimSpace(line)
}
