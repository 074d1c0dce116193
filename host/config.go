package host

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"time"
)

// Config is hostd's static configuration: listeners, the data directory and
// limits. Everything dynamic (plugins, routes, plugin data) lives in the
// registry. Every field is optional; the zero value means the documented
// default. Decode a file with LoadConfig; New validates.
type Config struct {
	// Listen is the data-plane address. Default ":8080".
	Listen string `json:"listen,omitempty"`
	// AdminListen is the admin API address. Default "127.0.0.1:8081"
	// (loopback: expose it deliberately, behind TLS, if at all).
	AdminListen string `json:"admin_listen,omitempty"`
	// DataDir holds registry.db, admin.key and the compilation cache.
	// Default "./hostd-data".
	DataDir string `json:"data_dir,omitempty"`
	// CacheDir holds wazero's compilation cache, so a restart (or another
	// hostd sharing the directory) does not recompile plugins. Default
	// DATA_DIR/cache. The cache is safe to share and to delete.
	CacheDir string `json:"cache_dir,omitempty"`
	// Limits bound plugins and requests.
	Limits Limits `json:"limits,omitempty"`
	// Server sets the HTTP server timeouts of both listeners.
	Server ServerConfig `json:"server,omitempty"`
	// NATS configures the embedded NATS server (in-process only by default).
	NATS NATSConfig `json:"nats,omitempty"`
	// Cluster joins other hostd nodes (single node by default).
	Cluster ClusterConfig `json:"cluster,omitempty"`
	// LogLevel is debug, info, warn or error. Default "info".
	LogLevel string `json:"log_level,omitempty"`
	// Audit bounds the audit log of admin writes (audit.go).
	Audit AuditConfig `json:"audit,omitempty"`

	// Logger overrides the logger built from LogLevel (embedding, tests).
	Logger *slog.Logger `json:"-"`
	// CompileWorker is an executable that compiles uploaded modules in a
	// child process, under limits.compile_timeout and
	// limits.compile_memory_bytes: the hostd binary, or any program whose
	// main starts with the IsCompileWorker check, built from the same
	// module versions as the embedding program (its wazero must be the same
	// build, or compiles fail with an error that says so). Empty compiles
	// in-process without that budget (a warning is logged). cmd/hostd sets
	// it to itself.
	CompileWorker string `json:"-"`
}

// Limits bound plugins and requests.
type Limits struct {
	// MemoryPages caps each plugin instance's memory in 64 KiB pages.
	// Default 512 (32 MiB).
	MemoryPages uint32 `json:"memory_pages,omitempty"`
	// CallTimeout bounds one plugin callback; the instance is closed and the
	// request gets 504. Default "1s".
	CallTimeout Duration `json:"call_timeout,omitempty"`
	// ConfigureTimeout bounds instantiation plus on_configure. Default "5s".
	ConfigureTimeout Duration `json:"configure_timeout,omitempty"`
	// MaxInstances caps concurrent instances per plugin binding. Default 16.
	MaxInstances int `json:"max_instances,omitempty"`
	// QueueTimeout is how long a request waits for a busy plugin before 503.
	// Default "1s".
	QueueTimeout Duration `json:"queue_timeout,omitempty"`
	// MaxCallsPerInstance recycles instances after this many requests.
	// Default 10000.
	MaxCallsPerInstance int `json:"max_calls_per_instance,omitempty"`
	// MaxUploadBytes bounds a plugin upload. Default 32 MiB.
	MaxUploadBytes int64 `json:"max_upload_bytes,omitempty"`
	// MaxBodyBytes bounds request bodies and bodies plugins write.
	// Default 8 MiB.
	MaxBodyBytes int64 `json:"max_body_bytes,omitempty"`
	// MaxKVValueBytes bounds one plugin KV value. Default 1 MiB.
	MaxKVValueBytes int `json:"max_kv_value_bytes,omitempty"`
	// KVMaxKeys bounds the entries of each plugin's KV namespace, unless
	// the plugin has its own limit (PUT /v1/plugins/{name}/kv). Default
	// 100000.
	KVMaxKeys int64 `json:"kv_max_keys,omitempty"`
	// KVMaxBytes bounds the bytes of each plugin's KV namespace (key +
	// value + 32 per entry), unless the plugin has its own limit. Default
	// 64 MiB.
	KVMaxBytes int64 `json:"kv_max_bytes,omitempty"`
	// KVTotalBytes bounds the bytes of all node-scope KV namespaces
	// together. Default 1 GiB.
	KVTotalBytes int64 `json:"kv_total_bytes,omitempty"`
	// KVDiskReserveBytes is the free space on the data dir's file system
	// below which KV writes are refused, kept for the registry. Default
	// 256 MiB.
	KVDiskReserveBytes int64 `json:"kv_disk_reserve_bytes,omitempty"`
	// RateLimitBucketsPerBinding bounds the rate-limit buckets one plugin
	// binding may hold; a binding at its quota evicts its own oldest (idle
	// first), never another's. Default 65536; the host holds at most
	// 1048576 in all.
	RateLimitBucketsPerBinding int `json:"rate_limit_buckets_per_binding,omitempty"`

	// The sandbox (RELIABILITY.md): what all plugins together may make the
	// host spend, and when a failing plugin is taken out of service.

	// MaxTotalInstances caps the live instances of all plugin bindings
	// together (idle ones of other bindings are evicted first; beyond it
	// requests get 503 host_overloaded). Default 256.
	MaxTotalInstances int `json:"max_total_instances,omitempty"`
	// MaxTotalMemoryBytes caps the guest memory of all instances together
	// (linear memories and grown call stacks). Default half the machine's
	// memory, between 256 MiB and 8 GiB.
	MaxTotalMemoryBytes int64 `json:"max_total_memory_bytes,omitempty"`
	// MaxStackBytes bounds the call stack of one plugin call (deeper
	// recursion traps). Default 32 MiB.
	MaxStackBytes int64 `json:"max_stack_bytes,omitempty"`
	// CompileTimeout and CompileMemoryBytes bound compiling one uploaded
	// module, which runs in a child process; beyond them the upload gets
	// 422 compile_budget_exceeded. Defaults "60s" and 1 GiB.
	CompileTimeout     Duration `json:"compile_timeout,omitempty"`
	CompileMemoryBytes int64    `json:"compile_memory_bytes,omitempty"`
	// LongCallAfter is when a plugin call counts as long; long calls of
	// all plugins share LongCallCPUs cores, taking turns. Defaults "10ms"
	// and the number of cores minus one (at least 1).
	LongCallAfter Duration `json:"long_call_after,omitempty"`
	LongCallCPUs  int      `json:"long_call_cpus,omitempty"`
	// Quarantine says when a binding whose calls keep failing is taken out
	// of service, and for how long.
	Quarantine QuarantineLimits `json:"quarantine,omitempty"`
	// Module bounds every dimension of an uploaded module; beyond one, the
	// upload gets 422 module_over_limit. The defaults admit every plugin
	// the Go and TinyGo toolchains build.
	Module ModuleLimits `json:"module,omitempty"`

	// MaxPluginHeaders and MaxPluginHeaderBytes bound, per request and per
	// header map (request, response), the values plugins add with
	// set_header and add_header, and their names plus values; every
	// successful call is counted. Defaults 100 and 64 KiB.
	MaxPluginHeaders     int `json:"max_plugin_headers,omitempty"`
	MaxPluginHeaderBytes int `json:"max_plugin_header_bytes,omitempty"`
	// MaxPluginURLBytes bounds the path (set_path) and the query
	// (set_query) a plugin sets. Default 64 KiB.
	MaxPluginURLBytes int `json:"max_plugin_url_bytes,omitempty"`
	// MaxPublishPerCall and MaxPublishBytesPerCall bound the messages one
	// plugin callback sends and their bytes. Defaults 100 and 4 MiB.
	MaxPublishPerCall      int `json:"max_publish_per_call,omitempty"`
	MaxPublishBytesPerCall int `json:"max_publish_bytes_per_call,omitempty"`
}

// ServerConfig sets the limits of both HTTP listeners (docs/configuration.md).
type ServerConfig struct {
	// ReadHeaderTimeout bounds reading a request's headers; a client
	// still sending them is disconnected (slowloris). Default "10s".
	// ReadTimeout bounds reading a whole request, WriteTimeout writing its
	// response, IdleTimeout a keep-alive connection between requests.
	// Defaults "60s", "60s", "120s".
	ReadHeaderTimeout Duration `json:"read_header_timeout,omitempty"`
	ReadTimeout       Duration `json:"read_timeout,omitempty"`
	WriteTimeout      Duration `json:"write_timeout,omitempty"`
	IdleTimeout       Duration `json:"idle_timeout,omitempty"`
	// BodyReadTimeout bounds reading the request body of a route whose
	// plugins may read it, which hostd does before any plugin runs (408
	// body_timeout beyond). Default "10s".
	BodyReadTimeout Duration `json:"body_read_timeout,omitempty"`
	// MaxHeaderBytes bounds the request line plus headers; beyond, the
	// answer is 431. Default 64 KiB (net/http allows 4 KiB of slack).
	MaxHeaderBytes int `json:"max_header_bytes,omitempty"`
	// MaxConnections and AdminMaxConnections cap the connections each
	// listener holds open (idle keep-alive ones included); further clients
	// wait in the accept queue until one closes. Defaults 10000 and 64.
	MaxConnections      int `json:"max_connections,omitempty"`
	AdminMaxConnections int `json:"admin_max_connections,omitempty"`
	// ShutdownTimeout bounds draining on shutdown. Default "30s".
	ShutdownTimeout Duration `json:"shutdown_timeout,omitempty"`
	// TrustedProxies lists the peers (CIDRs or addresses, data plane only)
	// whose X-Forwarded-For, -Host, -Proto and -Port are kept; from any
	// other client they are removed before the filters run. Default none.
	TrustedProxies []string `json:"trusted_proxies,omitempty"`
	// AllowUnderscoreHeaders keeps client headers whose name contains '_'
	// (data plane only). Default false: they are dropped, as nginx does,
	// because CGI-style targets read X_User as X-User.
	AllowUnderscoreHeaders bool `json:"allow_underscore_headers,omitempty"`
}

// trustedProxies parses TrustedProxies; a bare address is a /32 or /128.
func (s ServerConfig) trustedProxies() ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(s.TrustedProxies))
	for _, v := range s.TrustedProxies {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			a, aerr := netip.ParseAddr(v)
			if aerr != nil {
				return nil, fmt.Errorf("server.trusted_proxies: %q is neither a CIDR (10.0.0.0/8) nor an address", v)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// Duration is a time.Duration written in JSON as a Go duration string
// ("250ms", "1m").
type Duration time.Duration

// MarshalJSON writes d as a string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads a duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration must be a string such as \"1s\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

func (d Duration) or(def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return time.Duration(d)
}

// LoadConfig decodes a JSON config file strictly: unknown fields and
// trailing data are errors.
func LoadConfig(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	return DecodeConfig(b)
}

// DecodeConfig decodes JSON config bytes strictly.
func DecodeConfig(b []byte) (Config, error) {
	var c Config
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Config{}, errors.New("config: unexpected data after the JSON object")
	}
	return c, nil
}

func (c Config) withDefaults() Config {
	if c.Listen == "" {
		c.Listen = ":8080"
	}
	if c.AdminListen == "" {
		c.AdminListen = "127.0.0.1:8081"
	}
	if c.DataDir == "" {
		c.DataDir = "./hostd-data"
	}
	if c.CacheDir == "" {
		c.CacheDir = filepath.Join(c.DataDir, "cache")
	}
	if c.Limits.MaxUploadBytes <= 0 {
		c.Limits.MaxUploadBytes = 32 << 20
	}
	if c.Limits.MaxBodyBytes <= 0 {
		c.Limits.MaxBodyBytes = 8 << 20
	}
	if c.Server.MaxHeaderBytes <= 0 {
		c.Server.MaxHeaderBytes = 64 << 10
	}
	if c.Server.MaxConnections <= 0 {
		c.Server.MaxConnections = 10000
	}
	if c.Server.AdminMaxConnections <= 0 {
		c.Server.AdminMaxConnections = 64
	}
	if c.LogLevel == "" {
		c.LogLevel = "info"
	}
	return c
}

// Validate reports every problem of c at once.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	for name, addr := range map[string]string{"listen": c.Listen, "admin_listen": c.AdminListen} {
		if _, _, err := net.SplitHostPort(addr); err != nil {
			errs = append(errs, fmt.Errorf("%s: %q is not host:port: %w", name, addr, err))
		}
	}
	if c.Limits.MemoryPages > 65536 {
		errs = append(errs, errors.New("limits.memory_pages: at most 65536 (4 GiB)"))
	}
	if c.Limits.MaxInstances < 0 || c.Limits.MaxCallsPerInstance < 0 || c.Limits.MaxKVValueBytes < 0 ||
		min(c.Limits.MaxPluginHeaders, c.Limits.MaxPluginHeaderBytes, c.Limits.MaxPluginURLBytes,
			c.Limits.MaxPublishPerCall, c.Limits.MaxPublishBytesPerCall, c.Limits.RateLimitBucketsPerBinding) < 0 {
		errs = append(errs, errors.New("limits: counts must not be negative"))
	}
	errs = append(errs, c.Limits.validateKV()...)
	if c.NATS.Listen != "" {
		if _, _, err := net.SplitHostPort(c.NATS.Listen); err != nil {
			errs = append(errs, fmt.Errorf("nats.listen: %q is not host:port: %w", c.NATS.Listen, err))
		}
		if c.NATS.Token == "" && (c.NATS.User == "" || c.NATS.Password == "") && c.NATS.Responder.User == "" {
			errs = append(errs, errors.New("nats.listen: a listening NATS server needs client authentication: set nats.responder (for services), nats.token, or nats.user and nats.password"))
		}
	}
	errs = append(errs, c.NATS.Responder.validate(c.NATS.User)...)
	if c.NATS.SyncInterval < 0 {
		errs = append(errs, errors.New("nats.sync_interval: must not be negative (0 fsyncs every write)"))
	}
	if min(c.Server.MaxHeaderBytes, c.Server.MaxConnections, c.Server.AdminMaxConnections) < 0 {
		errs = append(errs, errors.New("server: max_header_bytes, max_connections and admin_max_connections must not be negative (0 means the default)"))
	}
	if _, err := c.Server.trustedProxies(); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, c.Limits.validateSandbox()...)
	errs = append(errs, c.Cluster.validate()...)
	errs = append(errs, c.Audit.validate()...)
	if _, err := parseLevel(c.LogLevel); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("log_level: %q is not debug, info, warn or error", s)
	}
	return l, nil
}
