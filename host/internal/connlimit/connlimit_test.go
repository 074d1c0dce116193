package connlimit

import (
	"errors"
	"net"
	"testing"
	"time"
)

func TestCapHoldsAcceptUntilAConnectionCloses(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := New(inner, 1)
	defer l.Close()
	accepted := make(chan net.Conn, 2)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- c
		}
	}()
	for range 2 {
		c, err := net.Dial("tcp", inner.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	first := <-accepted
	if l.Open() != 1 || l.Max() != 1 {
		t.Fatalf("open %d max %d", l.Open(), l.Max())
	}
	select {
	case <-accepted:
		t.Fatal("a second connection was accepted past the cap")
	case <-time.After(100 * time.Millisecond):
	}
	_ = first.Close()
	_ = first.Close() // a second Close frees nothing more
	second := <-accepted
	if second == nil || l.Open() != 1 {
		t.Fatalf("after a close: %v, open %d", second, l.Open())
	}
	_ = second.Close()
	if l.Open() != 0 {
		t.Fatalf("open %d after closing all", l.Open())
	}
}

func TestCloseReleasesAWaitingAccept(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := New(inner, 1)
	c, err := net.Dial("tcp", inner.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	held, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	done := make(chan error, 1)
	go func() { _, err := l.Accept(); done <- err }() // waits for a slot
	_ = l.Close()
	if err := <-done; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Accept after Close: %v, want net.ErrClosed", err)
	}
}
