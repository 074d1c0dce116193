package upstream

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func TestReplayBodyHandOver(t *testing.T) {
	b := &replayBody{rc: strings.NewReader("payload")}
	first := b.forAttempt(0)
	if !b.handOver(1) {
		t.Fatal("hand-over refused before any read")
	}
	if _, err := first.Read(make([]byte, 8)); !errors.Is(err, errBodyRevoked) {
		t.Fatalf("abandoned attempt read: err %v, want errBodyRevoked", err)
	}
	got, err := io.ReadAll(b.forAttempt(1))
	if err != nil || string(got) != "payload" {
		t.Fatalf("retry read %q, %v", got, err)
	}
	if b.handOver(2) {
		t.Fatal("hand-over allowed after the body was read")
	}
}
