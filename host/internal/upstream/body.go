package upstream

import (
	"io"
	"sync"
	"sync/atomic"
)

// replayBody lets a request body that has no GetBody be offered to several
// attempts, as long as none of them has read from it: the first Read pins
// the body to its attempt, after which no retry may take it over. An
// abandoned attempt whose transport goroutine reads later gets
// errBodyRevoked instead of stealing bytes from the retry.
type replayBody struct {
	rc io.Reader

	mu      sync.Mutex
	owner   int  // the attempt allowed to read
	started bool // owner has read
}

// handOver gives the body to attempt next. It fails once any byte may have
// been read.
func (b *replayBody) handOver(next int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.started {
		return false
	}
	b.owner = next
	return true
}

// forAttempt returns the body as attempt n sees it.
func (b *replayBody) forAttempt(n int) io.ReadCloser { return &attemptBody{b: b, n: n} }

type attemptBody struct {
	b *replayBody
	n int
}

func (a *attemptBody) Read(p []byte) (int, error) {
	a.b.mu.Lock()
	if a.b.owner != a.n {
		a.b.mu.Unlock()
		return 0, errBodyRevoked
	}
	a.b.started = true
	a.b.mu.Unlock()
	return a.b.rc.Read(p)
}

// Close does nothing: the incoming body belongs to the HTTP server, which
// closes it when the handler returns, and a retry may still need it.
func (a *attemptBody) Close() error { return nil }

// responseBody releases the attempt's resources (in-flight slot, context)
// when the caller closes the response.
type responseBody struct {
	io.ReadCloser
	done   func()
	closed atomic.Bool
}

func (r *responseBody) Close() error {
	err := r.ReadCloser.Close()
	if r.closed.CompareAndSwap(false, true) {
		r.done()
	}
	return err
}
