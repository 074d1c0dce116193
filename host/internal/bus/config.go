package bus

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Defaults applied by Start to zero-valued Config fields.
const (
	DefaultServerName   = "hostd"
	DefaultReadyTimeout = 10 * time.Second
)

// Config configures the embedded NATS server. The zero value of every field
// except StoreDir is usable.
type Config struct {
	// StoreDir is the JetStream store directory, normally
	// DATA_DIR/jetstream. Required. Start creates it (0700) if missing and
	// holds an exclusive lock on it until Shutdown returns.
	StoreDir string

	// Listen is the client address "host:port". Empty (the default) means
	// no TCP port at all: only the in-process connection exists
	// (nats-server DontListen). Port "0" picks a free port (see ClientURL).
	// When set, Token or User and Password are required.
	Listen string

	// Token is the client authentication token. Mutually exclusive with
	// User/Password. Empty means no token.
	Token string

	// User and Password are client credentials, both or neither. Empty
	// means none. Like Token they have every permission: they are the
	// operator's (the nats CLI's), not for services; give those Responder.
	User, Password string

	// Responder is a scoped user for services that answer NATS routes.
	// The zero value means none.
	Responder ResponderConfig

	// SyncInterval is how often JetStream fsyncs its files. Zero (the
	// default) means on every write ("sync always"): a message whose
	// publish was acknowledged survives kill -9 and power loss, at the
	// cost of write throughput. A positive value syncs periodically, as a
	// stock nats-server does (2m), and may lose the last interval's
	// acknowledged messages on power loss. Negative is invalid.
	SyncInterval time.Duration

	// ServerName is the NATS server name. Empty means DefaultServerName,
	// except in a cluster: there it is required and must be unique per
	// node (it is the node's JetStream identity, so keep it stable across
	// restarts on the same StoreDir).
	ServerName string

	// Cluster joins this server to other hostd nodes. The zero value means
	// standalone.
	Cluster ClusterConfig

	// Logger receives the server's log lines (component=nats). Nil means
	// discard. Debug lines are produced only if Logger has Debug enabled,
	// protocol traces only if it has LevelTrace enabled.
	Logger *slog.Logger

	// ReadyTimeout bounds how long Start waits for the server to accept
	// connections. Zero means DefaultReadyTimeout.
	ReadyTimeout time.Duration
}

// Validate reports the first problem with c, or nil.
func (c Config) Validate() error {
	if c.StoreDir == "" {
		return errors.New("bus: store dir is required")
	}
	if c.Token != "" && (c.User != "" || c.Password != "") {
		return errors.New("bus: token and user/password are mutually exclusive")
	}
	if (c.User == "") != (c.Password == "") {
		return errors.New("bus: user and password must be set together")
	}
	if reservedName(c.User) {
		return fmt.Errorf("bus: user %q is reserved for hostd", c.User)
	}
	if err := c.Responder.validate(); err != nil {
		return err
	}
	if c.Responder.User != "" && c.Responder.User == c.User {
		return errors.New("bus: the responder user must differ from the user")
	}
	if c.SyncInterval < 0 {
		return fmt.Errorf("bus: sync interval %s is negative", c.SyncInterval)
	}
	if c.ReadyTimeout < 0 {
		return fmt.Errorf("bus: ready timeout %s is negative", c.ReadyTimeout)
	}
	if err := c.Cluster.validate(c.ServerName); err != nil {
		return err
	}
	if c.Listen == "" {
		return nil
	}
	if _, _, err := splitListen(c.Listen); err != nil {
		return err
	}
	if c.Token == "" && c.User == "" && c.Responder.User == "" {
		return errors.New("bus: listen requires a token, user/password or a responder user")
	}
	return nil
}

// splitListen parses Listen into the host and port nats-server expects
// (port -1 asks it for a random port).
func splitListen(addr string) (string, int, error) {
	host, port, err := splitHostPort("listen", addr)
	if err != nil {
		return "", 0, err
	}
	if port == 0 {
		port = -1
	}
	return host, port, nil
}

func (c Config) withDefaults() Config {
	if c.ServerName == "" {
		c.ServerName = DefaultServerName
	}
	if c.Cluster.enabled() && c.Cluster.Name == "" {
		c.Cluster.Name = DefaultClusterName
	}
	if c.ReadyTimeout == 0 {
		c.ReadyTimeout = DefaultReadyTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}
