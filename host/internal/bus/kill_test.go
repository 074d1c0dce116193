package bus

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

const killChildEnv = "HOSTD_BUS_KILL_CHILD"

// TestAckedMessagesSurviveKill9 runs a bus in a child process, which
// publishes durably and reports the acknowledgements; the test kills it
// with SIGKILL and finds every acknowledged message after a restart on the
// same store directory.
func TestAckedMessagesSurviveKill9(t *testing.T) {
	if os.Getenv(killChildEnv) != "" {
		t.Skip("running as the child")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKill9Child$", "-test.v")
	cmd.Env = append(os.Environ(), killChildEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := 0
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if n, ok := strings.CutPrefix(sc.Text(), "ACKED "); ok {
			fmt.Sscan(n, &acked)
			break
		}
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no shutdown, no flush
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if acked == 0 {
		t.Fatal("the child acknowledged nothing")
	}

	b := startBus(t, Config{StoreDir: dir})
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	got := make(chan *Msg, acked)
	stop, err := b.Consume(ctx, ConsumerSpec{Stream: "KILL", Subjects: []string{"kill.>"}, Durable: "check",
		AckWait: 10 * time.Second}, func(m *Msg) { _ = m.Ack(ctx); got <- m })
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	for i := range acked {
		select {
		case m := <-got:
			if want := fmt.Sprintf("m%d", i); string(m.Data) != want {
				t.Fatalf("message %d is %q, want %q", i, m.Data, want)
			}
		case <-ctx.Done():
			t.Fatalf("only %d of %d acknowledged messages survived", i, acked)
		}
	}
}

// TestKill9Child is the child of TestAckedMessagesSurviveKill9.
func TestKill9Child(t *testing.T) {
	dir := os.Getenv(killChildEnv)
	if dir == "" {
		t.Skip("helper of TestAckedMessagesSurviveKill9")
	}
	b, err := Start(context.Background(), Config{StoreDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := b.EnsureStream(ctx, "KILL", []string{"kill.>"}, 1); err != nil {
		t.Fatal(err)
	}
	const n = 100
	for i := range n {
		if _, err := b.PublishDurable(ctx, "kill.x", nil, []byte(fmt.Sprintf("m%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	fmt.Printf("ACKED %d\n", n)
	select {} // wait to be killed
}
