package host

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/hostd/hostd/host/internal/bus"
	"github.com/hostd/hostd/host/internal/subject"
)

// NATSConfig configures the embedded NATS server.
type NATSConfig struct {
	// Listen opens a NATS client port ("127.0.0.1:4222"); empty (the
	// default) keeps NATS in-process only. A listening server requires
	// client authentication: Token, User and Password, or Responder.
	Listen string `json:"listen,omitempty"`
	// Token, or User and Password, are the operator's credentials: every
	// permission, JetStream and hostd's own subjects included (the nats
	// CLI). Never give them to services; give those Responder.
	Token    string `json:"token,omitempty"`
	User     string `json:"user,omitempty"`
	Password string `json:"password,omitempty"`
	// Responder is a scoped NATS user for the services that answer NATS
	// routes: it may subscribe to Subjects (queue groups too) and publish
	// only replies to the requests it received.
	Responder NATSResponder `json:"responder,omitempty"`
	// SyncInterval is JetStream's durability setting: 0 (the default)
	// fsyncs every write, so an acknowledged message survives kill -9 and
	// power loss; a positive interval ("2m", a stock nats-server's
	// default) syncs periodically and may lose the last interval's
	// acknowledged messages on a crash of the machine (in a cluster, the
	// other replicas still have them).
	SyncInterval Duration `json:"sync_interval,omitempty"`
}

// NATSResponder is the nats.responder section.
type NATSResponder struct {
	User     string   `json:"user,omitempty"`
	Password string   `json:"password,omitempty"`
	Subjects []string `json:"subjects,omitempty"`
}

// validate reports the problems of the nats.responder section; user is
// nats.user.
func (r NATSResponder) validate(user string) []error {
	var errs []error
	if r.User == "" && r.Password == "" && len(r.Subjects) == 0 {
		return nil
	}
	if r.User == "" || r.Password == "" {
		errs = append(errs, errors.New("nats.responder: set both user and password"))
	}
	if r.User != "" && r.User == user {
		errs = append(errs, errors.New("nats.responder.user: must differ from nats.user, which has every permission"))
	}
	if strings.HasPrefix(r.User, "hostd-") || strings.HasPrefix(user, "hostd-") {
		errs = append(errs, errors.New(`nats: user names starting with "hostd-" are hostd's own`))
	}
	if len(r.Subjects) == 0 {
		errs = append(errs, errors.New(`nats.responder.subjects: list the subjects the services answer, such as ["svc.>"]`))
	}
	for _, s := range r.Subjects {
		switch {
		case !subject.Valid(s, true):
			errs = append(errs, fmt.Errorf("nats.responder.subjects: %q is not a NATS subject pattern", s))
		case subject.MayReachReserved(s):
			errs = append(errs, fmt.Errorf("nats.responder.subjects: %q could reach the reserved subjects %s; start it with a literal token such as \"svc.>\"",
				s, subject.ReservedSpaces))
		}
	}
	return errs
}

// startBus starts the embedded NATS server (JetStream in DATA_DIR/jetstream)
// and waits until it accepts connections.
func (h *Host) startBus(ctx context.Context) error {
	n, cl := h.cfg.NATS, h.cfg.Cluster
	h.busCfg = bus.Config{
		StoreDir: filepath.Join(h.cfg.DataDir, "jetstream"),
		Listen:   n.Listen, Token: n.Token, User: n.User, Password: n.Password,
		Responder:    bus.ResponderConfig{User: n.Responder.User, Password: n.Responder.Password, Subjects: n.Responder.Subjects},
		SyncInterval: time.Duration(n.SyncInterval),
		ServerName:   cl.nodeName(),
		Cluster: bus.ClusterConfig{Name: cl.Name, Listen: cl.Listen, Peers: cl.Peers,
			User: cl.User, Password: cl.Password,
			TLS: bus.ClusterTLS{CAFile: cl.TLS.CAFile, CertFile: cl.TLS.CertFile, KeyFile: cl.TLS.KeyFile}},
		Logger: h.log.With("component", "nats"),
	}
	b, err := bus.Start(ctx, h.busCfg)
	if err != nil {
		return fmt.Errorf("host: %w", err)
	}
	h.bus = b
	return nil
}

// event publishes a control-plane change on hostd.events.<kind>. Events are
// best effort: a change is never refused because it could not be announced.
func (h *Host) event(kind string, v any) {
	if h.bus == nil {
		return
	}
	if err := h.bus.PublishEvent(kind, v); err != nil {
		h.log.Warn("event not published", "kind", kind, "error", err)
	}
}

func (h *Host) stopBus() {
	if h.bus == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.bus.Shutdown(ctx); err != nil {
		h.log.Warn("nats shutdown", "error", err)
	}
}

// WatchEvents calls fn for every control-plane event (plugin uploaded,
// activated or deleted; route or key set changed or deleted; "audit", one
// per audit log entry), published
// on the embedded NATS server as hostd.events.<kind> with a JSON body. It
// returns a function that stops watching. fn runs on the NATS client's
// goroutine and must not block.
func (h *Host) WatchEvents(fn func(kind string, data []byte)) (stop func() error, err error) {
	if h.bus == nil {
		return nil, errors.New("host: not started")
	}
	return h.bus.Subscribe(bus.EventPrefix+">", func(subject string, data []byte) {
		fn(strings.TrimPrefix(subject, bus.EventPrefix), data)
	})
}
