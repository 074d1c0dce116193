package host

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hostd/hostd/host/internal/registry"
)

func TestDecodeConfig(t *testing.T) {
	c, err := DecodeConfig([]byte(`{"listen":":9000","limits":{"call_timeout":"250ms","memory_pages":128}}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != ":9000" || time.Duration(c.Limits.CallTimeout) != 250*time.Millisecond || c.Limits.MemoryPages != 128 {
		t.Fatalf("decoded %+v", c)
	}
	for _, tc := range []struct{ in, want string }{
		{`{"listne":":1"}`, `unknown field "listne"`},
		{`{"limits":{"call_timeout":5}}`, "duration must be a string"},
		{`{"limits":{"call_timeout":"soon"}}`, "invalid duration"},
		{`{} {}`, "unexpected data"},
		{`[`, "unexpected EOF"},
	} {
		if _, err := DecodeConfig([]byte(tc.in)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.in, err, tc.want)
		}
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	err := Config{Listen: "nope", AdminListen: "also-nope", LogLevel: "loud", Limits: Limits{MemoryPages: 70000},
		Audit: AuditConfig{MaxEntries: -1, MaxAge: -1}}.Validate()
	if err == nil {
		t.Fatal("invalid config accepted")
	}
	for _, want := range []string{"listen", "admin_listen", "log_level", "memory_pages", "audit.max_entries", "audit.max_age"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %s: %v", want, err)
		}
	}
	if err := (Config{}).Validate(); err != nil {
		t.Fatalf("zero config: %v", err)
	}
	d := Config{}.withDefaults()
	if d.Listen != ":8080" || d.AdminListen != "127.0.0.1:8081" || d.DataDir != "./hostd-data" {
		t.Fatalf("defaults %+v", d)
	}
}

func TestNATSSyncIntervalConfig(t *testing.T) {
	c, err := DecodeConfig([]byte(`{"nats": {"sync_interval": "2m"}}`))
	if err != nil || time.Duration(c.NATS.SyncInterval) != 2*time.Minute {
		t.Fatalf("%+v %v", c.NATS, err)
	}
	c.NATS.SyncInterval = Duration(-time.Second)
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "sync_interval") {
		t.Fatalf("negative interval: %v", err)
	}
}

func TestKVLimitsConfig(t *testing.T) {
	c, err := DecodeConfig([]byte(`{"limits": {"kv_max_keys": 10, "kv_max_bytes": 2048, "kv_total_bytes": 4096, "kv_disk_reserve_bytes": 1}}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Limits.kvLimits(); got.MaxKeys != 10 || got.MaxBytes != 2048 || got.TotalBytes != 4096 || got.DiskReserve != 1 {
		t.Fatalf("kv limits %+v", got)
	}
	if _, err := DecodeConfig([]byte(`{"limits": {"kv_max_keys": "many"}}`)); err == nil {
		t.Fatal("a string accepted as kv_max_keys")
	}
	c.Limits = Limits{KVMaxKeys: -1, KVMaxBytes: -1, KVTotalBytes: -1, KVDiskReserveBytes: -1}
	err = c.Validate()
	for _, want := range []string{"kv_max_keys", "kv_max_bytes", "kv_total_bytes", "kv_disk_reserve_bytes"} {
		if err == nil || !strings.Contains(err.Error(), "limits."+want) {
			t.Errorf("negative %s: %v", want, err)
		}
	}
	// Zero means the documented defaults, which the registry applies.
	if err := (Config{}).Validate(); err != nil {
		t.Fatal(err)
	}
	if registry.DefaultKVMaxKeys != 100000 || registry.DefaultKVMaxBytes != 64<<20 ||
		registry.DefaultKVTotalBytes != 1<<30 || registry.DefaultKVDiskReserve != 256<<20 {
		t.Fatal("registry defaults differ from the documented ones")
	}
}

// TestConfigurationDocSample: the complete sample in docs/configuration.md
// names only fields that exist (DecodeConfig refuses unknown ones) and is
// a valid configuration as written, so an operator can start from it.
func TestConfigurationDocSample(t *testing.T) {
	doc, err := os.ReadFile("../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "```json\n")
	sample, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("docs/configuration.md has no ```json sample")
	}
	c, err := DecodeConfig([]byte(sample))
	if err != nil {
		t.Fatalf("the documented sample does not decode: %v", err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("the documented sample is not valid: %v", err)
	}
}
