// Package model holds the plain data types of hostd's control plane
// (plugins, versions, routes, bindings) as they are stored in the registry
// and shown by the admin API. It has no dependencies and no behaviour beyond
// validation helpers, so every other package can share it.
package model

import (
	"encoding/json"
	"time"
)

// PluginVersion is one immutable, content-addressed upload of a plugin.
type PluginVersion struct {
	Name      string    `json:"name"`
	Version   int       `json:"version"`
	SHA256    string    `json:"sha256"`
	Size      int64     `json:"size"`
	CreatedAt time.Time `json:"created_at"`
}

// Plugin is a named plugin: its versions and which one serves.
type Plugin struct {
	Name          string          `json:"name"`
	ActiveVersion int             `json:"active_version"`
	Versions      []PluginVersion `json:"versions"`
	// KVScope is where the plugin's KV data lives: KVScopeNode (the
	// default, "") in each node's registry, or KVScopeCluster in a
	// JetStream KV bucket every node shares.
	KVScope string `json:"kv_scope,omitempty"`
	// KVMaxKeys and KVMaxBytes are the operator's quota for this plugin's
	// KV namespace; 0 (the default) means the host's kv_max_keys and
	// kv_max_bytes.
	KVMaxKeys  int64     `json:"kv_max_keys,omitempty"`
	KVMaxBytes int64     `json:"kv_max_bytes,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// KV scopes of a plugin.
const (
	KVScopeNode    = "node"
	KVScopeCluster = "cluster"
)

// KVSettings changes a plugin's KV settings; a nil field keeps its value.
// A limit of 0 removes the plugin's own limit (the host default applies).
type KVSettings struct {
	Scope    *string `json:"scope,omitempty"`
	MaxKeys  *int64  `json:"max_keys,omitempty"`
	MaxBytes *int64  `json:"max_bytes,omitempty"`
}

// KVUsage is what a plugin's KV namespace holds and may hold, as the node
// answering sees it. Bytes counts each entry as its key, its value and a
// fixed per-entry overhead (node scope), or as JetStream stores it
// (cluster scope). MaxKeys is 0 when the scope does not bound keys.
type KVUsage struct {
	Scope    string `json:"scope"`
	Keys     int64  `json:"keys"`
	Bytes    int64  `json:"bytes"`
	MaxKeys  int64  `json:"max_keys,omitempty"`
	MaxBytes int64  `json:"max_bytes"`
}

// PoolHealth is one binding of a plugin version (the instances for one
// configuration) that is quarantined after repeated failures, or probing
// (its quarantine ended and one call is being tried). The admin API shows
// these in a plugin's "quarantine" list.
type PoolHealth struct {
	Version int    `json:"version"`
	State   string `json:"state"` // "quarantined" or "probing"
	// Failures counts consecutive failed calls; Quarantines the
	// quarantines in a row (each twice as long as the one before).
	Failures    int       `json:"failures"`
	Quarantines int       `json:"quarantines"`
	Until       time.Time `json:"until"`
	Reason      string    `json:"reason"`
	Routes      []string  `json:"routes,omitempty"`
	Triggers    []string  `json:"triggers,omitempty"`
}

// Version returns the version numbered n and whether it exists.
func (p *Plugin) Version(n int) (PluginVersion, bool) {
	for _, v := range p.Versions {
		if v.Version == n {
			return v, true
		}
	}
	return PluginVersion{}, false
}

// Binding attaches a plugin to a route as a filter or as the handler.
type Binding struct {
	// Plugin names the plugin.
	Plugin string `json:"plugin"`
	// Version pins a version; 0 (the default) follows the active version.
	Version int `json:"version,omitempty"`
	// Config is passed to the plugin's on_configure (get_config). Default: {}.
	Config json.RawMessage `json:"config,omitempty"`
	// Failure says what happens to the request when this filter itself fails
	// (trap, timeout, memory): "closed" (default) fails the request, "open"
	// skips the filter and continues the chain. Capacity failures (busy,
	// overloaded, quarantined) fail the request either way. Not allowed on
	// the handler.
	Failure string `json:"failure,omitempty"`
	// Grants are the NATS subjects the plugin may send to from this
	// binding. Default: none.
	Grants *Grants `json:"grants,omitempty"`
	// KeySets are the key sets the plugin may verify tokens with from
	// this binding (jwt_verify); any other name is "not found" to it.
	// Each must exist when the route is stored. Default: none.
	KeySets []string `json:"keysets,omitempty"`
}

// Grants lists subject patterns (NATS wildcards * and >) a binding may
// publish to and send requests to. Subjects under "hostd." are never
// granted.
type Grants struct {
	Publish []string `json:"publish,omitempty"`
	Request []string `json:"request,omitempty"`
}

// Failure policies of a filter binding.
const (
	FailClosed = "closed"
	FailOpen   = "open"
)

// FailsOpen reports whether a failure of this filter lets the request
// continue.
func (b *Binding) FailsOpen() bool { return b.Failure == FailOpen }

// Route binds a request pattern to a chain of filters and a target.
type Route struct {
	ID string `json:"id"`
	// Host is a gorilla/mux host template; empty matches any host.
	Host string `json:"host,omitempty"`
	// Path is a gorilla/mux path template such as /hello/{name}.
	Path string `json:"path,omitempty"`
	// PathPrefix matches every path under a prefix; exclusive with Path.
	PathPrefix string `json:"path_prefix,omitempty"`
	// Methods restricts the route to these methods; empty matches all.
	Methods []string `json:"methods,omitempty"`
	// Priority orders overlapping routes: higher is tried first. Routes of
	// equal priority are tried by longer pattern first, then by ID.
	Priority int `json:"priority,omitempty"`
	// Filters run in order on the request and in reverse on the response.
	Filters []Binding `json:"filters,omitempty"`
	// Handler is the Wasm plugin that produces the response. A route has
	// exactly one target: Handler, Upstream or NATS.
	Handler *Binding `json:"handler,omitempty"`
	// Upstream proxies the request to HTTP services.
	Upstream *Upstream `json:"upstream,omitempty"`
	// NATS sends the request as a NATS request and answers with the reply.
	NATS *NATSTarget `json:"nats,omitempty"`
	// MaxBodyBytes bounds this route's request bodies (413 body_too_large
	// beyond). Zero, or more than limits.max_body_bytes, means
	// limits.max_body_bytes.
	MaxBodyBytes int64 `json:"max_body_bytes,omitempty"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Upstream is a route target that proxies to HTTP services.
type Upstream struct {
	// Targets are absolute http(s) URLs; a path prefixes the request's.
	Targets []string `json:"targets"`
	// Balance is "round_robin" (default), "random" or "least_requests".
	Balance string `json:"balance,omitempty"`
	// Timeout bounds the exchange until response headers, as a Go duration
	// string. Default "30s".
	Timeout string `json:"timeout,omitempty"`
}

// NATSTarget is a route target that sends each request as a NATS request
// on the embedded server and turns the reply into the response.
type NATSTarget struct {
	// Subject is the request subject: no wildcards, not under "hostd.".
	Subject string `json:"subject"`
	// Timeout bounds the wait for the reply, as a Go duration string.
	// Default "5s", at most "5m".
	Timeout string `json:"timeout,omitempty"`
}

// Bindings returns the filters followed by the handler, if any.
func (r *Route) Bindings() []Binding {
	out := make([]Binding, 0, len(r.Filters)+1)
	out = append(out, r.Filters...)
	if r.Handler != nil {
		out = append(out, *r.Handler)
	}
	return out
}

// Uses reports whether the route binds the named plugin.
func (r *Route) Uses(plugin string) bool {
	for _, b := range r.Bindings() {
		if b.Plugin == plugin {
			return true
		}
	}
	return false
}

// Breaker is the observable state of a host circuit breaker.
type Breaker struct {
	// Plugin is the plugin whose breaker it is: each plugin names its
	// breakers in its own namespace.
	Plugin              string     `json:"plugin,omitempty"`
	Name                string     `json:"name"`
	State               string     `json:"state"` // closed, open, half_open
	Requests            int64      `json:"requests"`
	Failures            int64      `json:"failures"`
	ConsecutiveFailures int        `json:"consecutive_failures"`
	OpenedAt            *time.Time `json:"opened_at,omitempty"`
	RetryAfterMillis    int64      `json:"retry_after_ms,omitempty"`
}

// Trigger runs a plugin's on_message for every message on a NATS subject.
type Trigger struct {
	ID string `json:"id"`
	// Subject is the subject (wildcards allowed) the trigger listens on.
	Subject string `json:"subject"`
	// Queue is the queue group of a core trigger: each message goes to one
	// member across all nodes. Default: "hostd-trigger-<id>". Ignored with
	// JetStream (the durable consumer shares the work).
	Queue string `json:"queue,omitempty"`
	// Plugin, Version, Config and Grants bind the plugin as a route
	// binding does.
	Plugin  string          `json:"plugin"`
	Version int             `json:"version,omitempty"`
	Config  json.RawMessage `json:"config,omitempty"`
	Grants  *Grants         `json:"grants,omitempty"`
	// Concurrency bounds the messages handled at once on each node.
	// Default 4.
	Concurrency int `json:"concurrency,omitempty"`
	// Timeout bounds one on_message call (Go duration). Default "10s".
	Timeout string `json:"timeout,omitempty"`
	// JetStream makes delivery at-least-once through a durable consumer.
	JetStream *TriggerJetStream `json:"jetstream,omitempty"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// TriggerJetStream configures a trigger's durable consumer.
type TriggerJetStream struct {
	// Stream is the stream to consume; created (capturing Subject) if it
	// does not exist.
	Stream string `json:"stream"`
	// Durable names the consumer. Default: "hostd-<id>".
	Durable string `json:"durable,omitempty"`
	// MaxDeliver is how many deliveries a message gets before it is
	// dead-lettered. Default 5.
	MaxDeliver int `json:"max_deliver,omitempty"`
	// AckWait is how long a delivery may stay unsettled before the server
	// redelivers it (Go duration). Default "30s".
	AckWait string `json:"ack_wait,omitempty"`
	// DeadLetter is the subject dead-lettered messages are published on.
	// Default: "hostd.deadletter.<id>".
	DeadLetter string `json:"dead_letter,omitempty"`
}

// Binding returns the trigger's plugin binding.
func (t *Trigger) Binding() Binding {
	return Binding{Plugin: t.Plugin, Version: t.Version, Config: t.Config, Grants: t.Grants}
}

// ClusterStatus is a node's view of its cluster (GET /v1/cluster).
type ClusterStatus struct {
	// Enabled is false for a single node; the other fields are then zero.
	Enabled bool   `json:"enabled"`
	Node    string `json:"node,omitempty"`
	// Nodes is the cluster size the node was configured with.
	Nodes int `json:"nodes,omitempty"`
	// Synced is true once the node has applied the cluster's state.
	Synced bool `json:"synced"`
	// Unpublished lists the records ("route.api", "plugin.auth") changed
	// here and not yet shared.
	Unpublished []string `json:"unpublished"`
}

// AuditEntry records one admin write (GET /v1/audit, hostd.events.audit).
// It holds no secret: no body, no token, no config.
type AuditEntry struct {
	// Seq numbers entries in the order they were stored, from 1; the
	// paging cursor of GET /v1/audit.
	Seq  uint64    `json:"seq"`
	Time time.Time `json:"time"`
	// Subject and Role are the caller's token's "sub" and "role".
	Subject string `json:"subject"`
	Role    string `json:"role"`
	// Method and Path are the request's; Endpoint is the API pattern it
	// matched ("PUT /v1/routes/{id}"); Name the resource in the path.
	Method   string `json:"method"`
	Path     string `json:"path"`
	Endpoint string `json:"endpoint,omitempty"`
	Name     string `json:"name,omitempty"`
	// Version is the plugin version an upload stored or an activation
	// chose; 0 otherwise.
	Version int `json:"version,omitempty"`
	// Status is the HTTP status answered; Code the error code when it
	// failed (4xx, 5xx).
	Status int    `json:"status"`
	Code   string `json:"code,omitempty"`
	// SHA256 is the hex digest of the body bytes the API read (the whole
	// body of an accepted write); empty when it read none. Bytes counts them.
	SHA256 string `json:"sha256,omitempty"`
	Bytes  int64  `json:"bytes"`
	// Remote is the TCP peer address; RequestID the X-Request-ID answered.
	Remote    string `json:"remote"`
	RequestID string `json:"request_id"`
}

// AuditQuery selects a page of the audit log.
type AuditQuery struct {
	// Ascending lists oldest first, from the entry after After (0: the
	// first); otherwise newest first, from the entry before Before (0:
	// the last).
	Ascending bool
	After     uint64
	Before    uint64
	// Limit is the most entries returned; at least 1.
	Limit int
}
