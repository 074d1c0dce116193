package bus

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// Bus is an embedded NATS server with JetStream and one in-process client
// connection. It is safe for concurrent use by multiple goroutines.
type Bus struct {
	ns      *server.Server
	nc      *nats.Conn // hostd's own: internalUser, every permission
	send    *nats.Conn // plugin publish and request: pluginSendUser
	recv    *nats.Conn // plugin (core trigger) subscriptions: pluginRecvUser
	creds   credentials
	log     *slog.Logger
	release func() error  // store dir lock
	closed  chan struct{} // closed when nc reaches CLOSED
	tcp     bool          // Config.Listen was set (ClientURL reports it)

	shutdownOnce sync.Once
	shutdownErr  error
}

// Start validates c, locks c.StoreDir, starts the server with JetStream,
// waits until it accepts connections and opens the in-process connection.
// ctx bounds the wait together with c.ReadyTimeout. On any failure
// everything already started is shut down again and the lock released.
func Start(ctx context.Context, c Config) (*Bus, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("bus: start: %w", err)
	}
	c = c.withDefaults()
	if c.Cluster.enabled() && c.Listen == "" && c.Token == "" && c.User == "" {
		// The hidden loopback client port (see serverOptions) must not
		// be open to other local processes.
		tok, err := randomToken()
		if err != nil {
			return nil, err
		}
		c.Token = tok
	}
	if err := os.MkdirAll(c.StoreDir, 0o700); err != nil {
		return nil, fmt.Errorf("bus: store dir: %w", err)
	}
	release, err := lockDir(c.StoreDir)
	if err != nil {
		return nil, err
	}
	creds, err := newCredentials()
	if err != nil {
		_ = release()
		return nil, err
	}
	b := &Bus{log: c.Logger, release: release, closed: make(chan struct{}), tcp: c.Listen != "", creds: creds}
	if err := b.start(ctx, c); err != nil {
		if err2 := b.stop(); err2 != nil {
			err = fmt.Errorf("%w; additionally, cleanup: %v", err, err2)
		}
		return nil, err
	}
	return b, nil
}

func (b *Bus) start(ctx context.Context, c Config) error {
	opts, err := serverOptions(c)
	if err != nil {
		return err
	}
	opts.Users = users(c, b.creds)
	ns, err := server.NewServer(opts)
	if err != nil {
		return fmt.Errorf("bus: new server: %w", err)
	}
	b.ns = ns
	nl := newNatsLog(c.Logger)
	ns.SetLoggerV2(nl, nl.debug(), nl.trace(), false)
	go ns.Start()
	if err := waitReady(ctx, ns, nl.fatal, c.ReadyTimeout); err != nil {
		return err
	}
	if !ns.JetStreamEnabled() {
		return fmt.Errorf("%w: jetstream is not enabled", ErrNotReady)
	}
	b.nc, err = nats.Connect("", b.connectOptions(c, "-bus", nats.UserInfo(internalUser, b.creds.internal),
		nats.ClosedHandler(func(*nats.Conn) { close(b.closed) }))...)
	if err != nil {
		return fmt.Errorf("bus: in-process connection: %w", err)
	}
	b.send, err = nats.Connect("", b.connectOptions(c, "-plugin-send", nats.UserInfo(pluginSendUser, b.creds.send),
		nats.CustomInboxPrefix(PluginInboxPrefix))...)
	if err != nil {
		return fmt.Errorf("bus: plugin send connection: %w", err)
	}
	b.recv, err = nats.Connect("", b.connectOptions(c, "-plugin-recv", nats.UserInfo(pluginRecvUser, b.creds.recv))...)
	if err != nil {
		return fmt.Errorf("bus: plugin receive connection: %w", err)
	}
	return nil
}

func serverOptions(c Config) (*server.Options, error) {
	opts := &server.Options{
		ServerName:    c.ServerName,
		DontListen:    c.Listen == "",
		NoSigs:        true, // the daemon owns signals
		JetStream:     true,
		StoreDir:      c.StoreDir,
		SyncAlways:    c.SyncInterval == 0,
		SyncInterval:  c.SyncInterval,
		Authorization: c.Token,
		Username:      c.User,
		Password:      c.Password,
	}
	if c.Listen != "" {
		host, port, err := splitListen(c.Listen)
		if err != nil {
			return nil, err
		}
		opts.Host, opts.Port = host, port
	}
	if c.Cluster.enabled() {
		if err := clusterOptions(opts, c.Cluster); err != nil {
			return nil, err
		}
		if c.Listen == "" {
			// nats-server starts routing only after its client accept
			// loop, which DontListen skips: a DontListen server never
			// opens its route port. So listen on a random loopback
			// port instead, authenticated (Start sets a random token
			// if none is configured) and not advertised to clients.
			opts.DontListen = false
			opts.Host, opts.Port = "127.0.0.1", -1
			opts.Cluster.NoAdvertise = true
		}
	}
	return opts, nil
}

// randomToken returns 32 random bytes, hex-encoded.
func randomToken() (string, error) {
	var buf [32]byte
	if _, err := rand.Read(buf[:]); err != nil {
		return "", fmt.Errorf("bus: random token: %w", err)
	}
	return hex.EncodeToString(buf[:]), nil
}

// waitReady waits for ReadyForConnections, a fatal server log line, or the
// end of ctx, whichever comes first.
func waitReady(ctx context.Context, ns *server.Server, fatal <-chan string, d time.Duration) error {
	ready := make(chan bool, 1)
	go func() { ready <- ns.ReadyForConnections(d) }()
	select {
	case ok := <-ready:
		if !ok {
			return fmt.Errorf("%w: server not ready after %s", ErrNotReady, d)
		}
		return nil
	case msg := <-fatal:
		return fmt.Errorf("bus: server failed to start: %s", msg)
	case <-ctx.Done():
		return fmt.Errorf("%w: %w", ErrNotReady, ctx.Err())
	}
}

// connectOptions are the options of an in-process connection named
// ServerName+suffix, plus extra (its credentials).
func (b *Bus) connectOptions(c Config, suffix string, extra ...nats.Option) []nats.Option {
	opts := []nats.Option{
		nats.InProcessServer(b.ns),
		nats.Name(c.ServerName + suffix),
		nats.ErrorHandler(func(nc *nats.Conn, s *nats.Subscription, err error) {
			subj := ""
			if s != nil {
				subj = s.Subject
			}
			// A permissions violation on a plugin connection is a
			// plugin (or a hostd bug) reaching a reserved subject.
			b.log.Warn("bus: async error", "connection", nc.Opts.Name, "subject", subj, "err", err)
		}),
	}
	return append(opts, extra...)
}

// Ready returns nil while the server accepts connections, JetStream is on
// and the in-process connection is connected; otherwise an error wrapping
// ErrNotReady or ErrClosed.
func (b *Bus) Ready() error {
	select {
	case <-b.closed:
		return ErrClosed
	default:
	}
	switch {
	case !b.ns.Running():
		return fmt.Errorf("%w: server is not running", ErrNotReady)
	case !b.ns.JetStreamEnabled():
		return fmt.Errorf("%w: jetstream is not enabled", ErrNotReady)
	case !b.nc.IsConnected():
		return fmt.Errorf("%w: in-process connection is %s", ErrNotReady, b.nc.Status())
	case !b.send.IsConnected() || !b.recv.IsConnected():
		return fmt.Errorf("%w: plugin connections are %s and %s", ErrNotReady, b.send.Status(), b.recv.Status())
	}
	return nil
}

// ClientURL returns the nats:// URL TCP clients connect to, or "" when
// Config.Listen is empty. With port 0 it carries the port actually chosen.
// A wildcard host (0.0.0.0, ::, "") is reported as given; dial a concrete
// address from outside the machine.
func (b *Bus) ClientURL() string {
	if !b.tcp {
		return ""
	}
	addr, ok := b.ns.Addr().(*net.TCPAddr)
	if !ok || addr == nil {
		return ""
	}
	return "nats://" + net.JoinHostPort(addr.IP.String(), strconv.Itoa(addr.Port))
}

// Shutdown drains the in-process connection (delivering messages already
// received to their handlers), then shuts the server down, waits for it and
// releases the store lock. ctx bounds only the drain: if it ends first the
// connection is closed without finishing the drain, the server is still
// shut down, and ctx's error is returned. Later calls return the first
// call's result.
func (b *Bus) Shutdown(ctx context.Context) error {
	b.shutdownOnce.Do(func() {
		err := b.drain(ctx)
		if err2 := b.stop(); err2 != nil {
			err = errors.Join(err, err2)
		}
		b.shutdownErr = err
	})
	return b.shutdownErr
}

func (b *Bus) drain(ctx context.Context) error {
	// Plugin subscriptions first: their handlers may still answer on them.
	for _, pc := range []*nats.Conn{b.recv, b.send} {
		if err := pc.Drain(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
			pc.Close()
		}
	}
	if err := b.nc.Drain(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
		b.nc.Close()
		return fmt.Errorf("bus: drain: %w", err)
	}
	select {
	case <-b.closed:
		return nil
	case <-ctx.Done():
		b.nc.Close()
		return fmt.Errorf("bus: drain: %w", ctx.Err())
	}
}

// stop closes whatever is open: connection, server, store lock.
func (b *Bus) stop() error {
	for _, c := range []*nats.Conn{b.recv, b.send, b.nc} {
		if c != nil {
			c.Close()
		}
	}
	if b.ns != nil {
		b.ns.Shutdown()
		b.ns.WaitForShutdown()
	}
	if err := b.release(); err != nil {
		return fmt.Errorf("bus: release store lock: %w", err)
	}
	return nil
}
