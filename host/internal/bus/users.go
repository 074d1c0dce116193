package bus

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hostd/hostd/host/internal/subject"
	"github.com/nats-io/nats-server/v2/server"
)

// The NATS users of the embedded server. hostd's own connection (control
// plane, events, KV, JetStream, NATS route requests) authenticates as
// internalUser; plugin traffic runs on two connections of restricted users
// (see pluginPermissions), so that a bug in hostd's own checks still cannot
// reach a reserved subject. Their passwords are random, made at Start and
// kept in the Bus only: no configuration, log line or plugin ever sees
// them.
const (
	internalUser   = "hostd-internal"
	pluginSendUser = "hostd-plugin-send"
	pluginRecvUser = "hostd-plugin-recv"

	// PluginInboxPrefix is the reply inbox prefix of plugin requests
	// (nats.go CustomInboxPrefix). It starts with subject.InboxPrefix, so
	// it is reserved: plugins cannot publish there.
	PluginInboxPrefix = "_INBOX_PLUGIN"

	// connTypeInProcess is nats-server's connection type of a
	// nats.InProcessServer client (jwt.ConnectionTypeInProcess).
	connTypeInProcess = "IN_PROCESS"
)

// reservedName reports whether a configured user name is taken by hostd:
// every name starting with "hostd-".
func reservedName(name string) bool { return strings.HasPrefix(name, "hostd-") }

// systemSpaces are the subject spaces server-side permissions deny to
// plugins and responders: every NATS system prefix hostd's server knows
// (JetStream API, acks and flow control, KV, object store, system account,
// JetStream cluster and Raft, MQTT, leaf nodes, gateways, services), reply
// inboxes and hostd's own subjects. NATS patterns cannot say "every first
// token starting with $", so hostd's own check (subject.Reserved) covers the
// spaces not listed here.
var systemSpaces = func() []string {
	var out []string
	for _, t := range []string{"$JS", "$JSC", "$KV", "$O", "$SYS", "$NRG", "$MQTT", "$G",
		"$LDS", "$GR", "$GNR", "$SRV", "_R_", "_INBOX", PluginInboxPrefix, "hostd"} {
		out = append(out, t, t+".>")
	}
	return out
}()

// ResponderConfig is a scoped NATS user for external services that answer
// NATS routes: it may subscribe (also in queue groups) to Subjects and
// publish nothing but replies to the requests it received.
type ResponderConfig struct {
	// User and Password are its credentials, both or neither (no
	// responder user).
	User, Password string
	// Subjects are the subjects or patterns it may subscribe to, at least
	// one; none may reach a reserved space (subject.MayReachReserved).
	Subjects []string
	// ReplyTimeout bounds how long after a request its reply is allowed.
	// Zero means 5 minutes (the longest NATS route timeout).
	ReplyTimeout time.Duration
}

func (r ResponderConfig) validate() error {
	if r.User == "" && r.Password == "" {
		if len(r.Subjects) > 0 {
			return errors.New("bus: responder subjects require a responder user and password")
		}
		return nil
	}
	if r.User == "" || r.Password == "" {
		return errors.New("bus: responder user and password must be set together")
	}
	if reservedName(r.User) {
		return fmt.Errorf("bus: responder user %q is reserved for hostd", r.User)
	}
	if len(r.Subjects) == 0 {
		return errors.New("bus: the responder user needs at least one subject to serve")
	}
	for _, s := range r.Subjects {
		if err := checkSubject(s, true); err != nil {
			return fmt.Errorf("bus: responder subject: %w", err)
		}
		if subject.MayReachReserved(s) {
			return fmt.Errorf("bus: responder subject %q could reach the reserved subjects %s; start it with a literal token such as \"svc.>\"",
				s, subject.ReservedSpaces)
		}
	}
	if r.ReplyTimeout < 0 {
		return fmt.Errorf("bus: responder reply timeout %s is negative", r.ReplyTimeout)
	}
	return nil
}

// credentials are the random passwords of the built-in users.
type credentials struct{ internal, send, recv string }

func newCredentials() (credentials, error) {
	var c credentials
	for _, p := range []*string{&c.internal, &c.send, &c.recv} {
		var err error
		if *p, err = randomToken(); err != nil {
			return credentials{}, err
		}
	}
	return c, nil
}

// users builds the server's user list: the built-in users, the operator's
// Config.User (all permissions, like a token) and the responder user.
func users(c Config, cr credentials) []*server.User {
	deny := &server.SubjectPermission{Deny: systemSpaces}
	us := []*server.User{
		{Username: internalUser, Password: cr.internal},
		// Sends: publish and request anywhere but the reserved spaces;
		// subscribe only to its own reply inboxes.
		{Username: pluginSendUser, Password: cr.send, Permissions: &server.Permissions{
			Publish:   deny,
			Subscribe: &server.SubjectPermission{Allow: []string{PluginInboxPrefix + ".>"}},
		}},
		// Receives (core triggers): subscribe anywhere but the reserved
		// spaces; publish only replies to what it received.
		{Username: pluginRecvUser, Password: cr.recv, Permissions: &server.Permissions{
			Publish:   &server.SubjectPermission{Deny: []string{">"}},
			Subscribe: deny,
			Response:  &server.ResponsePermission{MaxMsgs: 1, Expires: 5 * time.Minute},
		}},
	}
	for _, u := range us {
		// Built-in users exist for hostd's in-process connections only:
		// the client port refuses them even with the right password.
		u.AllowedConnectionTypes = map[string]struct{}{connTypeInProcess: {}}
	}
	if c.User != "" {
		us = append(us, &server.User{Username: c.User, Password: c.Password})
	}
	if r := c.Responder; r.User != "" {
		exp := r.ReplyTimeout
		if exp == 0 {
			exp = 5 * time.Minute
		}
		us = append(us, &server.User{Username: r.User, Password: r.Password, Permissions: &server.Permissions{
			Publish:   &server.SubjectPermission{Deny: []string{">"}},
			Subscribe: &server.SubjectPermission{Allow: slices.Clone(r.Subjects), Deny: systemSpaces},
			Response:  &server.ResponsePermission{MaxMsgs: 1, Expires: exp},
		}})
	}
	return us
}
