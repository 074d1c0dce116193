package bus

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
)

// Watch calls fn, one call at a time on a goroutine of its own, first with
// the latest entry of every key matching pattern (deleted keys included,
// with Deleted set), then once with Entry{InitialDone: true}, then with
// every later change, in revision order. pattern is a key or a pattern
// with the wildcards * (one '.'-separated token) and > (the rest, last);
// empty means every key.
//
// The initial values are those of the bucket's leader when Watch is
// called, even on a node whose copy is still catching up (after a
// restart): then a key may come more than once before InitialDone, in
// revision order, and the last one counts. If the node serving the watch
// goes away, the watch resumes after the last revision delivered within a
// few seconds.
//
// ctx bounds the whole watch: it stops when ctx ends or when stop is
// called, whichever comes first. stop waits for a running fn call to
// return, so fn must not call it; after stop returns fn is not called
// again. A panic in fn is recovered and logged.
func (k *KV) Watch(ctx context.Context, pattern string, fn func(Entry)) (stop func(), err error) {
	if pattern == "" {
		pattern = ">"
	}
	toks, err := patternTokens(pattern)
	if err != nil {
		return nil, fmt.Errorf("bus: kv %s: watch %q: %w", k.bucket, pattern, err)
	}
	last, err := k.lastRevision(ctx)
	if err != nil {
		return nil, err
	}
	wctx, cancel := context.WithCancel(ctx)
	ch := make(chan *nats.Msg, 256)
	closed := make(chan struct{})
	sub, err := k.subscribeAll(wctx, ch)
	if err != nil {
		cancel()
		return nil, k.err("watch", pattern, err)
	}
	var once sync.Once
	markClosed := func() { once.Do(func() { close(closed) }) }
	sub.SetClosedHandler(func(string) { markClosed() })
	if !sub.IsValid() { // closed before the handler was set
		markClosed()
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() { _ = sub.Unsubscribe() }()
		k.run(wctx, ch, closed, watchState{toks: toks, last: last, fn: fn})
	}()
	return func() {
		cancel()
		<-done
	}, nil
}

// subscribeAll starts an ordered consumer on the whole bucket, from the
// latest entry of each key, that hands each message to ch until ctx ends.
// The whole bucket is watched (and filtered in handle) so that every
// revision up to the leader's last one is seen, whichever keys it touches.
// Short idle heartbeats make nats.go recreate the consumer within a few
// seconds when the node serving it goes away (its default takes up to 20 s).
func (k *KV) subscribeAll(ctx context.Context, ch chan<- *nats.Msg) (*nats.Subscription, error) {
	js, err := k.b.nc.JetStream()
	if err != nil {
		return nil, err
	}
	return js.Subscribe(kvPrefix+k.bucket+".>", func(m *nats.Msg) {
		select {
		case ch <- m:
		case <-ctx.Done():
		}
	}, nats.BindStream("KV_"+k.bucket), nats.OrderedConsumer(), nats.DeliverLastPerSubject(),
		nats.IdleHeartbeat(watchHeartbeat), nats.Context(ctx))
}

const (
	// kvPrefix starts the subject of every key-value message.
	kvPrefix = "$KV."
	// watchHeartbeat is the idle heartbeat of a watch's consumer; two
	// missed ones make nats.go recreate the consumer.
	watchHeartbeat = time.Second
)

// lastRevision returns the bucket's last revision as its leader knows it
// (stream info is answered by the stream leader).
func (k *KV) lastRevision(ctx context.Context) (uint64, error) {
	js, err := k.b.jetStream()
	if err != nil {
		return 0, err
	}
	s, err := js.Stream(ctx, "KV_"+k.bucket)
	if err != nil {
		return 0, k.b.wrap("kv "+k.bucket+": watch", err)
	}
	return s.CachedInfo().State.LastSeq, nil
}

// watchState is one watch's progress through its initial values.
type watchState struct {
	toks     []string
	last     uint64 // InitialDone comes once this revision was seen
	seen     uint64 // highest revision seen
	initDone bool   // InitialDone delivered
	fn       func(Entry)
}

// run delivers the consumer's messages until ctx ends or the subscription
// closes (Shutdown).
func (k *KV) run(ctx context.Context, ch <-chan *nats.Msg, closed <-chan struct{}, st watchState) {
	k.progress(&st)
	for {
		select {
		case <-ctx.Done():
			return
		case <-closed:
			return
		case m := <-ch:
			k.handle(&st, m)
		}
	}
}

// handle passes one message to fn if its key matches, then InitialDone if
// the leader's last revision has now been seen.
func (k *KV) handle(st *watchState, m *nats.Msg) {
	md, err := m.Metadata()
	if err != nil {
		k.b.log.Warn("bus: kv watch: message without metadata", "subject", m.Subject, "err", err)
		return
	}
	st.seen = max(st.seen, md.Sequence.Stream)
	e := msgEntry(k.bucket, m, md.Sequence.Stream)
	if matchTokens(st.toks, e.Key) {
		k.call(st.fn, e)
	}
	k.progress(st)
}

func (k *KV) progress(st *watchState) {
	if !st.initDone && st.seen >= st.last {
		st.initDone = true
		k.call(st.fn, Entry{InitialDone: true})
	}
}

// msgEntry decodes a key-value message: the key follows the bucket's
// subject prefix; an operation header or a server marker means deleted.
func msgEntry(bucket string, m *nats.Msg, rev uint64) Entry {
	deleted := false
	switch m.Header.Get("KV-Operation") {
	case "DEL", "PURGE":
		deleted = true
	}
	if m.Header.Get("Nats-Marker-Reason") != "" {
		deleted = true
	}
	return Entry{
		Key:      strings.TrimPrefix(m.Subject, kvPrefix+bucket+"."),
		Value:    m.Data,
		Revision: rev,
		Deleted:  deleted,
	}
}

func (k *KV) call(fn func(Entry), e Entry) {
	defer k.b.recoverHandler("kv " + k.bucket + " " + e.Key)
	fn(e)
}

// patternTokens splits a watch pattern into '.'-separated tokens, each a
// key token, "*", or (last) ">".
func patternTokens(pattern string) ([]string, error) {
	toks := strings.Split(pattern, ".")
	for i, t := range toks {
		switch {
		case t == "*" || (t == ">" && i == len(toks)-1):
		case t == "" || strings.ContainsAny(t, "*>") || !validKey(t):
			return nil, ErrBadKey
		}
	}
	return toks, nil
}

// validKey reports whether s consists of key characters only.
func validKey(s string) bool {
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			strings.ContainsRune("-_=./", r)
		if !ok {
			return false
		}
	}
	return s != ""
}

// matchTokens reports whether key matches the pattern tokens.
func matchTokens(toks []string, key string) bool {
	keyToks := strings.Split(key, ".")
	for i, t := range toks {
		if t == ">" {
			return len(keyToks) > i
		}
		if i >= len(keyToks) || (t != "*" && t != keyToks[i]) {
			return false
		}
	}
	return len(keyToks) == len(toks)
}
