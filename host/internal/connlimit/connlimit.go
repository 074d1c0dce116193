// Package connlimit caps the connections a listener holds open at once.
//
// A Listener accepts at most Max connections; the next Accept waits until
// one of them is closed. Connections beyond the cap wait in the kernel's
// accept queue (and a client whose connect times out there sees a refusal),
// so they cost the host no goroutine, buffer or file descriptor until a
// slot frees. The HTTP server's timeouts (header, idle) bound how long a
// slot can be held by a client that sends nothing. It uses the standard
// library only.
package connlimit

import (
	"net"
	"sync"
	"sync/atomic"
)

// Listener is a net.Listener that holds at most Max connections open.
type Listener struct {
	net.Listener
	slots     chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	open      atomic.Int64
}

// New wraps ln so that at most max (> 0) accepted connections are open.
func New(ln net.Listener, max int) *Listener {
	return &Listener{Listener: ln, slots: make(chan struct{}, max), done: make(chan struct{})}
}

// Accept waits for a free slot, then for a connection.
func (l *Listener) Accept() (net.Conn, error) {
	select {
	case l.slots <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	l.open.Add(1)
	return &conn{Conn: c, l: l}, nil
}

// Close closes the listener; Accepts waiting for a slot return.
func (l *Listener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// Open returns the number of accepted connections not closed yet.
func (l *Listener) Open() int { return int(l.open.Load()) }

// Max returns the cap.
func (l *Listener) Max() int { return cap(l.slots) }

type conn struct {
	net.Conn
	l    *Listener
	once sync.Once
}

// Close closes the connection and frees its slot (once).
func (c *conn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.l.open.Add(-1)
		<-c.l.slots
	})
	return err
}
